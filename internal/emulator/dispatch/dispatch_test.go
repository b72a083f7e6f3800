package dispatch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
)

type echoJSON struct{ lastCall *service.Call }

func (e *echoJSON) HandleJSON(call *service.Call, body []byte) (any, error) {
	e.lastCall = call
	if call.Operation == "Fail" {
		return nil, service.Errorf(400, "ResourceNotFoundException", "no such thing")
	}
	return map[string]string{"op": call.Operation, "principal": call.Principal.ARN}, nil
}

type issued struct{}

func (issued) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != "ASIAISSUED" {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return service.Principal{ARN: "arn:aws:sts::000000000000:assumed-role/R/S", RoleName: "R"}, "secret", "tok", time.Now().Add(time.Hour), true
}

func newTestServer(t *testing.T) (*httptest.Server, *echoJSON) {
	s := New(Options{Identity: issued{}})
	h := &echoJSON{}
	s.JSON("dynamodb", "DynamoDB_20120810", protocol.JSONService{ContentType: "application/x-amz-json-1.0", ErrorNamespace: "com.amazonaws.dynamodb.v20120810#"}, h, []string{"Echo", "Fail"})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, h
}

func signedRequest(t *testing.T, url, target, body, akid, secret, token string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if token != "" {
		req.Header.Set("X-Amz-Security-Token", token)
	}
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token},
		req, hex.EncodeToString(sum[:]), "dynamodb", "eu-west-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func do(t *testing.T, req *http.Request) (int, map[string]string, http.Header) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := map[string]string{}
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, resp.Header
}

func TestJSONDispatchRegionAndAdmin(t *testing.T) {
	srv, h := newTestServer(t)
	code, body, _ := do(t, signedRequest(t, srv.URL, "DynamoDB_20120810.Echo", "{}", "AKIDANY", "whatever", ""))
	if code != 200 || body["op"] != "Echo" || body["principal"] != "arn:aws:iam::000000000000:user/admin" {
		t.Fatalf("got %d %v", code, body)
	}
	if h.lastCall.Region != "eu-west-1" {
		t.Fatalf("region = %q, want eu-west-1 from the credential scope", h.lastCall.Region)
	}
}

func TestIssuedCredentialsVerified(t *testing.T) {
	srv, _ := newTestServer(t)
	code, body, _ := do(t, signedRequest(t, srv.URL, "DynamoDB_20120810.Echo", `{"a":1}`, "ASIAISSUED", "secret", "tok"))
	if code != 200 || body["principal"] != "arn:aws:sts::000000000000:assumed-role/R/S" {
		t.Fatalf("valid issued signature: got %d %v", code, body)
	}
	code, body, _ = do(t, signedRequest(t, srv.URL, "DynamoDB_20120810.Echo", `{}`, "ASIAISSUED", "wrong-secret", "tok"))
	if code != 403 || !strings.HasSuffix(body["__type"], "InvalidSignatureException") {
		t.Fatalf("wrong secret: got %d %v", code, body)
	}
	// Tamper with the body after signing.
	req := signedRequest(t, srv.URL, "DynamoDB_20120810.Echo", `{"a":1}`, "ASIAISSUED", "secret", "tok")
	req.Body = io.NopCloser(bytes.NewReader([]byte(`{"a":2}`)))
	code, body, _ = do(t, req)
	if code != 403 {
		t.Fatalf("tampered body: got %d %v", code, body)
	}
	code, _, _ = do(t, signedRequest(t, srv.URL, "DynamoDB_20120810.Echo", `{}`, "ASIAISSUED", "secret", "other-token"))
	if code != 403 {
		t.Fatalf("wrong session token: got %d", code)
	}
}

func TestUnknownOperationAndTarget(t *testing.T) {
	srv, _ := newTestServer(t)
	code, body, _ := do(t, signedRequest(t, srv.URL, "DynamoDB_20120810.Nope", "{}", "AKID", "s", ""))
	if code != 400 || !strings.HasSuffix(body["__type"], "#UnknownOperationException") {
		t.Fatalf("unknown op: %d %v", code, body)
	}
	code, body, _ = do(t, signedRequest(t, srv.URL, "Nothing_1.Echo", "{}", "AKID", "s", ""))
	if code != 400 || body["__type"] != "UnknownOperationException" {
		t.Fatalf("unknown target: %d %v", code, body)
	}
	code, body, _ = do(t, signedRequest(t, srv.URL, "DynamoDB_20120810.Fail", "{}", "AKID", "s", ""))
	if code != 400 || body["__type"] != "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" {
		t.Fatalf("service error: %d %v", code, body)
	}
}

type echoQuery struct{}

func (echoQuery) HandleQuery(call *service.Call, form url.Values) (any, error) {
	return &struct {
		Name string `xml:"Name"`
	}{form.Get("Name")}, nil
}

func TestQueryRoutingAndGarbage(t *testing.T) {
	s := New(Options{})
	s.Query("sns", protocol.QueryService{XMLNamespace: "http://sns.amazonaws.com/doc/2010-03-31/"}, echoQuery{}, []string{"CreateTopic"})
	srv := httptest.NewServer(s)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("Action=CreateTopic&Name=a%26b"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(t, req, "Action=CreateTopic&Name=a%26b", "sns", "AKIDANY", "any", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<CreateTopicResult><Name>a&amp;b</Name></CreateTopicResult>") {
		t.Fatalf("query answer: %d %s", resp.StatusCode, b)
	}
	for _, body := range []string{"Action=Nope", "%zz", "Name=x"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sign(t, req, body, "sns", "AKIDANY", "any", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "<ErrorResponse") {
			t.Fatalf("body %q: %d %s", body, resp.StatusCode, b)
		}
	}
}

type namedQuery struct{ name string }

func (e namedQuery) HandleQuery(call *service.Call, form url.Values) (any, error) {
	return struct {
		Service string `xml:"Service"`
		Path    string `xml:"Path"`
	}{e.name, call.Path}, nil
}

// SQS and SNS share AddPermission and RemovePermission: a request goes by
// its credential scope (an unsigned one is refused before it is routed).
func TestQueryActionsSharedBySQSAndSNS(t *testing.T) {
	s := New(Options{})
	s.Query("sqs", protocol.QueryService{XMLNamespace: "http://queue.amazonaws.com/doc/2012-11-05/"}, namedQuery{"sqs"}, []string{"AddPermission", "SendMessage"})
	s.Query("sns", protocol.QueryService{XMLNamespace: "http://sns.amazonaws.com/doc/2010-03-31/"}, namedQuery{"sns"}, []string{"AddPermission", "Publish"})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cases := []struct {
		path, form, scope, want string
	}{
		{"/", "Action=AddPermission&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At", "sns", "<Service>sns</Service>"},
		{"/", "Action=AddPermission&QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fq", "sqs", "<Service>sqs</Service>"},
		{"/000000000000/q", "Action=AddPermission", "sqs", "<Service>sqs</Service><Path>/000000000000/q</Path>"},
		{"/", "Action=Publish", "sns", "<Service>sns</Service>"},
		{"/", "Action=AddPermission&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3At", "", "<Code>MissingAuthenticationToken</Code>"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+c.path, strings.NewReader(c.form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if c.scope != "" {
			sign(t, req, c.form, c.scope, "AKIDANY", "any", time.Now())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), c.want) {
			t.Errorf("POST %s %s (scope %q): %s, want %s", c.path, c.form, c.scope, body, c.want)
		}
	}
}
