package awsapi

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func debugConfig(url string) aws.Config {
	return aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "SESSIONTOKEN123"),
		Retryer:     NewRetryer,
	}
}

// --debug: one line per call naming service, operation, IAM action,
// resource, status, duration, retries and request id — the retry counted
// from the retry middleware's own metadata.
func TestDebugOneLinePerCall(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-amzn-RequestId", "REQ-42")
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(500)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}`))
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var out bytes.Buffer
	db := dynamodb.NewFromConfig(WithDebug(debugConfig(srv.URL), &out, DebugCalls))
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"),
		Item: map[string]types.AttributeValue{"OrderId": &types.AttributeValueMemberS{Value: "ORD-1"}}})
	if err != nil {
		t.Fatal(err)
	}
	line := out.String()
	for _, want := range []string{"aws: DynamoDB PutItem", "dynamodb:PutItem", "TableName OrdersTable", "→ 200 in ", "1 retry", "request id REQ-42"} {
		if !strings.Contains(line, want) {
			t.Errorf("no %q in %q", want, line)
		}
	}
	if strings.Count(line, "\n") != 1 {
		t.Errorf("want one line, got %q", line)
	}
	if strings.Contains(line, "Authorization") {
		t.Errorf("--debug without wire shows headers: %q", line)
	}
}

// --debug=wire shows headers and bodies with the secrets redacted: the
// signature, the session token, secret keys in bodies.
func TestDebugWireRedactsSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", "REQ-7")
		_, _ = w.Write([]byte(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>VERYSECRETKEY</SecretAccessKey><SessionToken>VERYSECRETTOKEN</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
</AssumeRoleResult><ResponseMetadata><RequestId>REQ-7</RequestId></ResponseMetadata></AssumeRoleResponse>`))
	}))
	defer srv.Close()
	var out bytes.Buffer
	c := sts.NewFromConfig(WithDebug(debugConfig(srv.URL), &out, DebugWire))
	res, err := c.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(res.Credentials.SecretAccessKey) != "VERYSECRETKEY" {
		t.Errorf("the trace changed the response the SDK read: %+v", res.Credentials)
	}
	trace := out.String()
	for _, secret := range []string{"VERYSECRETKEY", "VERYSECRETTOKEN", "SESSIONTOKEN123", "wJalrXUtnFEMI"} {
		if strings.Contains(trace, secret) {
			t.Errorf("the trace shows the secret %s:\n%s", secret, trace)
		}
	}
	sig := strings.Contains(trace, "Signature=REDACTED")
	for _, want := range []string{"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", "X-Amz-Security-Token: REDACTED",
		"Action=AssumeRole", "<SecretAccessKey>REDACTED</SecretAccessKey>", "← 200 OK", "aws: STS AssumeRole  sts:AssumeRole"} {
		if !strings.Contains(trace, want) {
			t.Errorf("no %q in the trace:\n%s", want, trace)
		}
	}
	if !sig {
		t.Errorf("signature not redacted:\n%s", trace)
	}
}

func TestDebugLevels(t *testing.T) {
	for _, ok := range []string{"", DebugCalls, DebugWire} {
		if err := ValidDebug(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if err := ValidDebug("verbose"); err == nil {
		t.Error("--debug=verbose accepted")
	}
}
