// Package policies holds the pipeline's IAM documents as embedded templates
// (templates/*.json, text/template over JSON) and renders them with the
// stack's real ARNs:
//
//   - function: the Lambda role's inline policy: dynamodb:PutItem on the
//     table, sns:Publish on the topic, logs:CreateLogStream and
//     logs:PutLogEvents on the function's own log group. Nothing else.
//   - trust: the role's trust policy: lambda.amazonaws.com may assume it.
//   - queue: the queue's resource policy: only sns.amazonaws.com may
//     sqs:SendMessage, and only for the topic (aws:SourceArn).
//   - operator: what a person running `orders` (up, status, send, verify,
//     logs, destroy) needs on these resources, and nothing more.
//   - operator-read-only: only the read calls: enough for status, the dry
//     runs of up and destroy, logs, and verify --order-id (no probe).
package policies

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
)

// ARNs are the stack's resources, as the templates need them.
type ARNs struct {
	Partition, Region, Account string
	Table                      string // arn:aws:dynamodb:R:A:table/OrdersTable
	Topic                      string // arn:aws:sns:R:A:HighValueOrderTopic
	Queue                      string // arn:aws:sqs:R:A:HighValueQueue
	LogGroup                   string // arn:aws:logs:R:A:log-group:/aws/lambda/ProcessOrderFunction (no trailing :*)
	Role                       string // arn:aws:iam::A:role/ProcessOrderFunction-role
	Function                   string // arn:aws:lambda:R:A:function:ProcessOrderFunction
}

// Kinds are the documents Render knows.
var Kinds = []string{"function", "trust", "queue", "operator"}

// needs lists, per kind, the ARNs its template uses: Render refuses to
// produce a document with an empty resource in it.
var needs = map[string][]string{
	"function": {"Table", "Topic", "LogGroup"},
	"trust":    {},
	"queue":    {"Queue", "Topic"},
	"operator": {"Table", "Topic", "Queue", "Role", "Function", "LogGroup"},
	// Not one of Kinds: `orders policy operator --read-only` prints it.
	OperatorReadOnly: {"Table", "Topic", "Queue", "Role", "Function", "LogGroup"},
}

// ProbeQueueInfix joins the stack queue's name and a random suffix in the
// names of verify's temporary probe queues ("HighValueQueue-probe-1a2b3c4d"),
// which the operator policy grants by that pattern.
const ProbeQueueInfix = "-probe-"

// OperatorReadOnly is the kind of the operator's read-only policy.
const OperatorReadOnly = "operator-read-only"

//go:embed templates/*.json
var templateFS embed.FS

var templates = template.Must(template.New("policies").
	Option("missingkey=error").
	Funcs(template.FuncMap{
		// json writes a string as a JSON string literal, so no ARN can
		// break the document's syntax.
		"json": func(s string) (string, error) {
			b, err := json.Marshal(s)
			return string(b), err
		},
		// streams: the log streams of a log group ("…:log-group:NAME:*").
		"streams": func(logGroup string) string { return logGroup + ":*" },
		// probeQueues: verify's temporary probe queues of the stack.
		"probeQueues": func(queue string) string { return queue + ProbeQueueInfix + "*" },
		// subscriptions: a topic's subscriptions, whose ARNs are the
		// topic's ARN plus ":<uuid>".
		"subscriptions": func(topic string) string { return topic + ":*" },
	}).
	ParseFS(templateFS, "templates/*.json"))

// Render returns the kind's document with a's ARNs filled in: valid JSON,
// indented two spaces, Version 2012-10-17, no trailing newline.
func Render(kind string, a ARNs) ([]byte, error) {
	need, ok := needs[kind]
	if !ok {
		return nil, fmt.Errorf("unknown policy %q: want one of %s", kind, strings.Join(Kinds, ", "))
	}
	if err := checkARNs(a, need); err != nil {
		return nil, fmt.Errorf("render %s policy: %w", kind, err)
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, kind+".json", a); err != nil {
		return nil, fmt.Errorf("render %s policy: %w", kind, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("render %s policy: template produced invalid JSON: %w", kind, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("render %s policy: %w", kind, err)
	}
	return out.Bytes(), nil
}

func checkARNs(a ARNs, need []string) error {
	values := map[string]string{
		"Table": a.Table, "Topic": a.Topic, "Queue": a.Queue,
		"LogGroup": a.LogGroup, "Role": a.Role, "Function": a.Function,
	}
	var problems []string
	for _, field := range need {
		v := values[field]
		switch {
		case v == "":
			problems = append(problems, field+" ARN is empty")
		case !strings.HasPrefix(v, "arn:"):
			problems = append(problems, fmt.Sprintf("%s ARN %q does not start with arn:", field, v))
		case field == "LogGroup" && strings.HasSuffix(v, ":*"):
			problems = append(problems, fmt.Sprintf("LogGroup ARN %q must not end with :* (the templates add it where streams are meant)", v))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
