package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// These tests put the real SDK clients between the handler and a scripted
// HTTP endpoint, to prove the handler's requests and its reading of AWS's
// error shapes hold on the wire, not just against fakes.

type recorded struct {
	target string // X-Amz-Target (DynamoDB) or Action (SNS)
	body   string
}

type endpoint struct {
	mu       sync.Mutex
	requests []recorded
	// respond returns status, content type and body for a request.
	respond func(r recorded) (int, string, string)
}

func (e *endpoint) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	rec := recorded{target: req.Header.Get("X-Amz-Target"), body: string(b)}
	if rec.target == "" {
		form, _ := url.ParseQuery(string(b))
		rec.target = form.Get("Action")
	}
	e.mu.Lock()
	e.requests = append(e.requests, rec)
	e.mu.Unlock()
	status, ctype, body := e.respond(rec)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Amzn-Requestid", "req-1")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func sdkHandler(t *testing.T, e *endpoint) (*Handler, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       srv.Client(),
	}
	logs := &bytes.Buffer{}
	h := New(Config{TableName: "OrdersTable", TopicARN: testTopic, Threshold: MustParseAmount("100")},
		dynamodb.NewFromConfig(cfg), sns.NewFromConfig(cfg), slog.New(slog.NewJSONHandler(logs, nil)))
	return h, logs
}

const (
	ddbJSON   = "application/x-amz-json-1.0"
	snsXML    = "text/xml"
	publishOK = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-msg-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`
)

func TestSDKAccessDeniedFromDynamoDBIsVisible(t *testing.T) {
	const msg = "User: arn:aws:sts::123456789012:assumed-role/ProcessOrderFunction-role/fn is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable because no identity-based policy allows the dynamodb:PutItem action"
	e := &endpoint{respond: func(recorded) (int, string, string) {
		return 400, ddbJSON, `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"` + msg + `"}`
	}}
	h, _ := sdkHandler(t, e)
	_, err := h.Handle(context.Background(), []byte(`{"OrderId":"ORD-1","Amount":250}`))
	var se *StoreError
	if !errors.As(err, &se) {
		t.Fatalf("err %v (%T)", err, err)
	}
	if se.Code() != "AccessDeniedException" || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q (code %q) hides AWS's code or message", err, se.Code())
	}
	if len(e.requests) != 1 || e.requests[0].target != "DynamoDB_20120810.PutItem" {
		t.Errorf("requests %+v", e.requests)
	}
}

func TestSDKAuthorizationErrorFromSNSIsVisible(t *testing.T) {
	const msg = "User: arn:aws:sts::123456789012:assumed-role/ProcessOrderFunction-role/fn is not authorized to perform: SNS:Publish on resource: " + testTopic + " because no identity-based policy allows the SNS:Publish action"
	e := &endpoint{respond: func(r recorded) (int, string, string) {
		if r.target == "Publish" {
			return 403, snsXML, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>` + msg + `</Message></Error><RequestId>r</RequestId></ErrorResponse>`
		}
		return 200, ddbJSON, `{}`
	}}
	h, _ := sdkHandler(t, e)
	_, err := h.Handle(context.Background(), []byte(`{"OrderId":"ORD-1","Amount":250}`))
	var ne *NotifyError
	if !errors.As(err, &ne) {
		t.Fatalf("err %v (%T)", err, err)
	}
	if ne.Code() != "AuthorizationError" || !strings.Contains(err.Error(), "AuthorizationError") || !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q (code %q) hides AWS's code or message", err, ne.Code())
	}
}

// The first request on the wire: a conditional put of the exact decimal,
// then a Publish with the Number attribute, then the conditional mark.
func TestSDKRequestsOnTheWire(t *testing.T) {
	e := &endpoint{respond: func(r recorded) (int, string, string) {
		if r.target == "Publish" {
			return 200, snsXML, publishOK
		}
		return 200, ddbJSON, `{}`
	}}
	h, _ := sdkHandler(t, e)
	res, err := h.Handle(context.Background(), []byte(`{"OrderId":"ORD-1001","Amount":250.50}`))
	if err != nil {
		t.Fatal(err)
	}
	if res.MessageID != "sns-msg-1" || !res.Stored || !res.Notified {
		t.Errorf("result %+v", res)
	}
	if len(e.requests) != 3 {
		t.Fatalf("%d requests: %+v", len(e.requests), e.requests)
	}

	var put1, put2 map[string]any
	json.Unmarshal([]byte(e.requests[0].body), &put1)
	json.Unmarshal([]byte(e.requests[2].body), &put2)
	item := put1["Item"].(map[string]any)
	if amt := item["Amount"].(map[string]any)["N"]; amt != "250.5" {
		t.Errorf("Amount on the wire %v, want N \"250.5\"", amt)
	}
	if put1["ConditionExpression"] != condAbsent || put1["ReturnValuesOnConditionCheckFailure"] != "ALL_OLD" {
		t.Errorf("first put %v", put1)
	}
	if st := item["Status"].(map[string]any)["S"]; st != "PENDING_NOTIFY" {
		t.Errorf("first put Status %v", st)
	}
	if put2["ConditionExpression"] != condPending {
		t.Errorf("mark put %v", put2)
	}
	if st := put2["Item"].(map[string]any)["Status"].(map[string]any)["S"]; st != "NOTIFIED" {
		t.Errorf("mark put Status %v", st)
	}

	form, _ := url.ParseQuery(e.requests[1].body)
	want := map[string]string{
		"TopicArn":                       testTopic,
		"Subject":                        "High-value order ORD-1001",
		"MessageAttributes.entry.1.Name": "amount",
		"MessageAttributes.entry.1.Value.DataType":    "Number",
		"MessageAttributes.entry.1.Value.StringValue": "250.5",
	}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("Publish %s = %q, want %q", k, form.Get(k), v)
		}
	}
	if !strings.HasPrefix(form.Get("Message"), `{"OrderId":"ORD-1001","Amount":250.5,"ReceivedAt":"`) {
		t.Errorf("Publish Message %q", form.Get("Message"))
	}
}

// A replay reads the existing item from the ConditionalCheckFailedException
// exactly as the SDK deserializes it.
func TestSDKReplayReadsOldItemFromConditionFailure(t *testing.T) {
	old := `{"OrderId":{"S":"ORD-1"},"Amount":{"N":"250"},"ReceivedAt":{"S":"2024-01-01T00:00:00Z"},"Status":{"S":"%s"}%s}`
	tests := []struct {
		status, extra string
		wantPublish   bool
		want          Result
	}{
		{"NOTIFIED", `,"MessageId":{"S":"m-0"}`, false, Result{OrderID: "ORD-1", Duplicate: true, MessageID: "m-0"}},
		{"PENDING_NOTIFY", "", true, Result{OrderID: "ORD-1", Notified: true, MessageID: "sns-msg-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			item := strings.Replace(strings.Replace(old, "%s", tt.status, 1), "%s", tt.extra, 1)
			var publishes int
			e := &endpoint{}
			e.respond = func(r recorded) (int, string, string) {
				switch {
				case r.target == "Publish":
					publishes++
					return 200, snsXML, publishOK
				case strings.Contains(r.body, condAbsent):
					return 400, ddbJSON, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":` + item + `}`
				}
				return 200, ddbJSON, `{}`
			}
			h, _ := sdkHandler(t, e)
			res, err := h.Handle(context.Background(), []byte(`{"OrderId":"ORD-1","Amount":250.00}`))
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.want || (publishes == 1) != tt.wantPublish {
				t.Errorf("result %+v, %d publishes", res, publishes)
			}
			if tt.wantPublish {
				// The mark keeps the original ReceivedAt.
				last := e.requests[len(e.requests)-1].body
				if !strings.Contains(last, `"ReceivedAt":{"S":"2024-01-01T00:00:00Z"}`) {
					t.Errorf("mark put %s", last)
				}
			}
		})
	}
}
