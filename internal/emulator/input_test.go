package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// rawSigned sends body as svc's request, signed with administrator keys,
// and returns the status, the error code (as each protocol carries it)
// and the body.
func rawSigned(t *testing.T, url, svc, target, contentType, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req,
		hex.EncodeToString(sum[:]), svc, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	code := resp.Header.Get("X-Amzn-Query-Error")
	code, _, _ = strings.Cut(code, ";")
	s := string(b)
	if code == "" {
		if i := strings.Index(s, "#"); i >= 0 && strings.HasPrefix(s, `{"__type"`) {
			code = s[i+1 : i+strings.Index(s[i:], `"`)]
		} else if i := strings.Index(s, "<Code>"); i >= 0 {
			code = s[i+6 : i+strings.Index(s[i:], "</Code>")]
		}
	}
	return resp.StatusCode, code, s
}

// TestInvalidUTF8Refused: bytes that are not UTF-8 were decoded as U+FFFD
// and stored as if the client had sent that. Each service refuses them in
// its own words, and nothing is stored.
func TestInvalidUTF8Refused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := openAt(t, t.TempDir())
	cfg := adminConfig(url)
	db := dynamodb.NewFromConfig(cfg)
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("Tbl"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}}}); err != nil {
		t.Fatal(err)
	}
	for name, item := range map[string]string{
		"string value":   `{"pk":{"S":"a"},"v":{"S":"bad \xff\xfe"}}`,
		"attribute name": `{"pk":{"S":"b"},"bad\xc3":{"S":"v"}}`,
		"key":            `{"pk":{"S":"\xed\xa0\x80"}}`, // an encoded surrogate
	} {
		status, code, body := rawSigned(t, url, "dynamodb", "DynamoDB_20120810.PutItem", "application/x-amz-json-1.0", `{"TableName":"Tbl","Item":`+item+`}`)
		if status != 400 || code != "SerializationException" {
			t.Errorf("PutItem with invalid UTF-8 in a %s: %d %s %s", name, status, code, body)
		}
	}
	if out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Tbl")}); err != nil || out.Count != 0 {
		t.Fatalf("table after refused puts: %v %v", out, err)
	}

	q, err := sqs.NewFromConfig(cfg).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	status, code, body := rawSigned(t, url, "sqs", "AmazonSQS.SendMessage", "application/x-amz-json-1.0",
		`{"QueueUrl":"`+aws.ToString(q.QueueUrl)+`","MessageBody":"pay `+"\xff"+`"}`)
	if status != 400 || code != "InvalidMessageContents" {
		t.Errorf("SendMessage with invalid UTF-8: %d %s %s", status, code, body)
	}
	if n := queueDepth(t, url, aws.ToString(q.QueueUrl)); n != "0" {
		t.Errorf("queue holds %s messages after a refused send", n)
	}

	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	status, code, body = rawSigned(t, url, "sns", "", "application/x-www-form-urlencoded",
		"Action=Publish&Version=2010-03-31&TopicArn="+aws.ToString(topic.TopicArn)+"&Message=pay%FF%FE")
	if status != 400 || code != "InvalidParameter" {
		t.Errorf("Publish with invalid UTF-8: %d %s %s", status, code, body)
	}
}

// TestDynamoDBContentType: a DynamoDB request that does not say it is
// JSON is an operation AWS's front end does not know (404
// UnknownOperationException); it is neither parsed nor served.
func TestDynamoDBContentType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := openAt(t, t.TempDir())
	create := `{"TableName":"Tbl","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`
	for _, ct := range []string{"", "application/x-amz-json-1.1", "text/plain", "application/x-www-form-urlencoded"} {
		status, code, body := rawSigned(t, url, "dynamodb", "DynamoDB_20120810.CreateTable", ct, create)
		if status != 404 || code != "UnknownOperationException" {
			t.Errorf("Content-Type %q: %d %s %s", ct, status, code, body)
		}
	}
	if out, err := dynamodb.NewFromConfig(adminConfig(url)).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil || len(out.TableNames) != 0 {
		t.Fatalf("tables after refused creates: %v %v", out, err)
	}
	for _, ct := range []string{"application/x-amz-json-1.0", "application/json; charset=utf-8"} {
		if status, code, body := rawSigned(t, url, "dynamodb", "DynamoDB_20120810.ListTables", ct, `{}`); status != 200 {
			t.Errorf("Content-Type %q: %d %s %s", ct, status, code, body)
		}
	}
}
