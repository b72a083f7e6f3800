package iampolicy

import (
	"strings"
	"testing"
)

// What the function role should be able to do.
var functionExpected = Expected{Actions: map[string][]string{
	"dynamodb:PutItem":     {tableARN},
	"sns:Publish":          {topicARN},
	"logs:CreateLogStream": {groupARN + ":*"},
	"logs:PutLogEvents":    {groupARN + ":*"},
}}

func findingStrings(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

func TestLint(t *testing.T) {
	cases := []struct {
		name string
		docs map[string]string // policy id -> document (one policy unless noted)
		want []string          // Finding.String() of each finding, in order
	}{
		{name: "the template is clean", docs: map[string]string{"ProcessOrderFunction-policy": functionPolicyDoc}},
		{name: "expected actions case-insensitively, with a condition",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "DynamoDB:putitem", "Resource": "` + tableARN + `",
			  "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}]}`}},
		{name: "deny statements are never findings",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": "*", "NotResource": "*"}]}`}},
		{name: "widened: dynamodb:* on *",
			docs: map[string]string{"Widen": `{"Version": "2012-10-17", "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}`},
			want: []string{
				`policy Widen statement 0 (Sid Everything): grants wildcard action "dynamodb:*"`,
				`policy Widen statement 0 (Sid Everything): grants wildcard resource "*"`,
			}},
		{name: "an expected action on *",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}`},
			want: []string{`policy p statement 0: grants wildcard resource "*"`}},
		{name: "an extra action on the right table",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem"], "Resource": "` + tableARN + `"}]}`},
			want: []string{`policy p statement 0: grants unexpected action "dynamodb:DeleteItem"`}},
		{name: "the right action on another table",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": ["` + tableARN + `", "arn:aws:dynamodb:us-east-1:000000000000:table/Other"]}]}`},
			want: []string{`policy p statement 0: grants dynamodb:PutItem on unexpected resource "arn:aws:dynamodb:us-east-1:000000000000:table/Other"`}},
		{name: "a resource expected for one action but not the other",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:PutItem", "sns:Publish"], "Resource": ["` + tableARN + `", "` + topicARN + `"]}]}`},
			want: []string{
				`policy p statement 0: grants sns:Publish on unexpected resource "` + tableARN + `"`,
				`policy p statement 0: grants dynamodb:PutItem on unexpected resource "` + topicARN + `"`,
			}},
		{name: "logs on every group of the account",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:000000000000:*"}]}`},
			want: []string{`policy p statement 0: grants wildcard resource "arn:aws:logs:us-east-1:000000000000:*"`}},
		{name: "a wildcard action covering only expected ones is still a wildcard",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:Put*", "Resource": "` + groupARN + `:*"}]}`},
			want: []string{`policy p statement 0: grants wildcard action "logs:Put*"`}},
		{name: "NotAction and NotResource with Allow",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [
			  {"Effect": "Allow", "NotAction": "iam:*", "Resource": "` + tableARN + `"},
			  {"Effect": "Allow", "Action": "sns:Publish", "NotResource": "` + tableARN + `"}]}`},
			want: []string{
				`policy p statement 0: allows every action except iam:* (NotAction with Allow)`,
				`policy p statement 1: allows every resource except ` + tableARN + ` (NotResource with Allow)`,
			}},
		{name: "the log group's streams are not a topic",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "` + groupARN + `:*"}]}`},
			want: []string{`policy p statement 0: grants sns:Publish on unexpected resource "` + groupARN + `:*"`}},
		{name: "no Resource element",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish"}]}`},
			want: []string{`policy p statement 0: grants on every resource (no Resource element)`}},
		{name: "Action *",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "` + tableARN + `"}]}`},
			want: []string{`policy p statement 0: grants wildcard action "*"`}},
		{name: "an unexpected service",
			docs: map[string]string{"p": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "` + roleARN + `"}]}`},
			want: []string{`policy p statement 0: grants unexpected action "iam:PassRole"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var policies []NamedPolicy
			for id, doc := range tc.docs {
				policies = append(policies, named(t, id, doc))
			}
			got := findingStrings(Lint(policies, functionExpected))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// The template plus a second, widening inline policy: only the extra one is
// named, with its statement.
func TestLintNamesThePolicy(t *testing.T) {
	fs := Lint([]NamedPolicy{
		named(t, "ProcessOrderFunction-policy", functionPolicyDoc),
		named(t, "extra", `{"Version": "2012-10-17", "Statement": [{"Sid": "Ok", "Effect": "Allow", "Action": "sns:Publish", "Resource": "`+topicARN+`"},
		  {"Sid": "TooMuch", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "`+tableARN+`"}]}`),
		{ID: "nil policy is skipped"},
	}, functionExpected)
	if len(fs) != 1 || fs[0].PolicyID != "extra" || fs[0].Statement != 1 || fs[0].Sid != "TooMuch" || fs[0].Problem != `grants wildcard action "dynamodb:*"` {
		t.Errorf("findings: %+v", fs)
	}
}

func TestLintAttached(t *testing.T) {
	arn := "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
	fs := LintAttached([]string{arn})
	if len(fs) != 1 || fs[0].PolicyID != arn || fs[0].Statement != -1 || fs[0].Problem != "managed policy "+arn+" attached" || fs[0].String() != fs[0].Problem {
		t.Errorf("LintAttached: %+v", fs)
	}
	if fs := LintAttached(nil); len(fs) != 0 {
		t.Errorf("no managed policies: %+v", fs)
	}
}
