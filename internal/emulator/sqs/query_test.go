package sqs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// The awsQuery protocol as SDKs built before SQS moved to awsJson speak it:
// botocore 1.33's query serializer sends exactly these forms (Action and
// Version first, flattened lists and maps named by the model's
// locationName), signed with SigV4 for "sqs", and parses the XML answers
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-xml.html).

// queryRequest posts form to path, signed as an SDK signs it, and returns
// the status and body.
func queryRequest(t *testing.T, e *env, path string, form url.Values) (int, []byte) {
	t.Helper()
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sqs", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func queryOK(t *testing.T, e *env, path, action string, params map[string]string, v any) {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2012-11-05"}}
	for k, val := range params {
		form.Set(k, val)
	}
	status, body := queryRequest(t, e, path, form)
	if status != 200 {
		t.Fatalf("%s: status %d: %s", action, status, body)
	}
	if !strings.Contains(string(body), `<`+action+`Response xmlns="http://queue.amazonaws.com/doc/2012-11-05/">`) ||
		!strings.Contains(string(body), "<ResponseMetadata><RequestId>") {
		t.Fatalf("%s: not an SQS query answer: %s", action, body)
	}
	if v != nil {
		if err := xml.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v\n%s", action, err, body)
		}
	}
}

type xmlNameValue struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

type xmlMessage struct {
	MessageId              string         `xml:"MessageId"`
	ReceiptHandle          string         `xml:"ReceiptHandle"`
	MD5OfBody              string         `xml:"MD5OfBody"`
	Body                   string         `xml:"Body"`
	MD5OfMessageAttributes string         `xml:"MD5OfMessageAttributes"`
	Attributes             []xmlNameValue `xml:"Attribute"`
	MessageAttributes      []struct {
		Name  string `xml:"Name"`
		Value struct {
			DataType    string `xml:"DataType"`
			StringValue string `xml:"StringValue"`
			BinaryValue string `xml:"BinaryValue"`
		} `xml:"Value"`
	} `xml:"MessageAttribute"`
}

func TestQueryProtocolRoundTrip(t *testing.T) {
	e := newEnv(t)
	var created struct {
		QueueUrl string `xml:"CreateQueueResult>QueueUrl"`
	}
	queryOK(t, e, "/", "CreateQueue", map[string]string{"QueueName": "legacy",
		"Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "45",
		"Tag.1.Key": "orders:stack", "Tag.1.Value": "orders"}, &created)
	if created.QueueUrl != e.url+"/000000000000/legacy" {
		t.Fatalf("QueueUrl = %q", created.QueueUrl)
	}
	// What the query protocol created, the JSON protocol sees: one
	// implementation behind both encodings.
	attrs, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &created.QueueUrl, AttributeNames: []types.QueueAttributeName{"VisibilityTimeout"}})
	if err != nil || attrs.Attributes["VisibilityTimeout"] != "45" {
		t.Fatalf("JSON view of a query-created queue: %v %v", err, attrs)
	}

	var sent struct {
		MD5OfMessageBody       string `xml:"SendMessageResult>MD5OfMessageBody"`
		MD5OfMessageAttributes string `xml:"SendMessageResult>MD5OfMessageAttributes"`
		MessageId              string `xml:"SendMessageResult>MessageId"`
	}
	queryOK(t, e, "/", "SendMessage", map[string]string{"QueueUrl": created.QueueUrl, "MessageBody": "héllo",
		"MessageAttribute.1.Name": "amount", "MessageAttribute.1.Value.DataType": "Number", "MessageAttribute.1.Value.StringValue": "250",
		"MessageAttribute.2.Name": "raw", "MessageAttribute.2.Value.DataType": "Binary", "MessageAttribute.2.Value.BinaryValue": "AAE=",
	}, &sent)
	if sent.MD5OfMessageBody != md5Hex("héllo") || sent.MessageId == "" || sent.MD5OfMessageAttributes == "" {
		t.Fatalf("SendMessageResult = %+v", sent)
	}

	var got struct {
		Messages []xmlMessage `xml:"ReceiveMessageResult>Message"`
	}
	queryOK(t, e, "/", "ReceiveMessage", map[string]string{"QueueUrl": created.QueueUrl, "MaxNumberOfMessages": "10",
		"AttributeName.1": "All", "MessageAttributeName.1": "All"}, &got)
	if len(got.Messages) != 1 {
		t.Fatalf("received %d messages", len(got.Messages))
	}
	m := got.Messages[0]
	if m.Body != "héllo" || m.MD5OfBody != sent.MD5OfMessageBody || m.MD5OfMessageAttributes != sent.MD5OfMessageAttributes || m.MessageId != sent.MessageId {
		t.Fatalf("message = %+v", m)
	}
	sys := map[string]string{}
	for _, a := range m.Attributes {
		sys[a.Name] = a.Value
	}
	if sys["ApproximateReceiveCount"] != "1" || sys["SenderId"] == "" || sys["SentTimestamp"] == "" {
		t.Fatalf("system attributes = %v", sys)
	}
	if len(m.MessageAttributes) != 2 || m.MessageAttributes[0].Name != "amount" || m.MessageAttributes[0].Value.StringValue != "250" ||
		m.MessageAttributes[1].Value.BinaryValue != "AAE=" || m.MessageAttributes[1].Value.DataType != "Binary" {
		t.Fatalf("message attributes = %+v", m.MessageAttributes)
	}

	// Posted to the queue URL without a QueueUrl parameter, as the Java
	// SDK v1 sends it.
	queryOK(t, e, "/000000000000/legacy", "ChangeMessageVisibility", map[string]string{"ReceiptHandle": m.ReceiptHandle, "VisibilityTimeout": "0"}, nil)
	queryOK(t, e, "/000000000000/legacy", "DeleteMessage", map[string]string{"ReceiptHandle": m.ReceiptHandle}, nil)
	// An operation without an output shape is answered with
	// ResponseMetadata alone.
	if status, body := queryRequest(t, e, "/", url.Values{"Action": {"DeleteMessage"}, "Version": {"2012-11-05"},
		"QueueUrl": {created.QueueUrl}, "ReceiptHandle": {m.ReceiptHandle}}); status != 200 || strings.Contains(string(body), "DeleteMessageResult") {
		t.Fatalf("DeleteMessage answer: %d %s", status, body)
	}

	var batch struct {
		Successful []struct {
			Id               string `xml:"Id"`
			MD5OfMessageBody string `xml:"MD5OfMessageBody"`
		} `xml:"SendMessageBatchResult>SendMessageBatchResultEntry"`
		Failed []struct {
			Id          string `xml:"Id"`
			Code        string `xml:"Code"`
			SenderFault bool   `xml:"SenderFault"`
		} `xml:"SendMessageBatchResult>BatchResultErrorEntry"`
	}
	queryOK(t, e, "/", "SendMessageBatch", map[string]string{"QueueUrl": created.QueueUrl,
		"SendMessageBatchRequestEntry.1.Id": "a", "SendMessageBatchRequestEntry.1.MessageBody": "one",
		"SendMessageBatchRequestEntry.2.Id": "b", "SendMessageBatchRequestEntry.2.MessageBody": "two", "SendMessageBatchRequestEntry.2.DelaySeconds": "901",
	}, &batch)
	if len(batch.Successful) != 1 || batch.Successful[0].Id != "a" || batch.Successful[0].MD5OfMessageBody != md5Hex("one") ||
		len(batch.Failed) != 1 || batch.Failed[0].Code != "InvalidParameterValue" || !batch.Failed[0].SenderFault {
		t.Fatalf("SendMessageBatchResult = %+v", batch)
	}
	queryOK(t, e, "/", "ReceiveMessage", map[string]string{"QueueUrl": created.QueueUrl}, &got)
	var deleted struct {
		Successful []struct {
			Id string `xml:"Id"`
		} `xml:"DeleteMessageBatchResult>DeleteMessageBatchResultEntry"`
	}
	queryOK(t, e, "/", "DeleteMessageBatch", map[string]string{"QueueUrl": created.QueueUrl,
		"DeleteMessageBatchRequestEntry.1.Id": "x", "DeleteMessageBatchRequestEntry.1.ReceiptHandle": got.Messages[0].ReceiptHandle}, &deleted)
	if len(deleted.Successful) != 1 || deleted.Successful[0].Id != "x" {
		t.Fatalf("DeleteMessageBatchResult = %+v", deleted)
	}

	var qattrs struct {
		Attributes []xmlNameValue `xml:"GetQueueAttributesResult>Attribute"`
	}
	queryOK(t, e, "/", "GetQueueAttributes", map[string]string{"QueueUrl": created.QueueUrl, "AttributeName.1": "QueueArn", "AttributeName.2": "VisibilityTimeout"}, &qattrs)
	if len(qattrs.Attributes) != 2 || qattrs.Attributes[0] != (xmlNameValue{"QueueArn", "arn:aws:sqs:us-east-1:000000000000:legacy"}) {
		t.Fatalf("GetQueueAttributesResult = %+v", qattrs)
	}
	queryOK(t, e, "/", "SetQueueAttributes", map[string]string{"QueueUrl": created.QueueUrl, "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "3"}, nil)
	var tags struct {
		Tags []struct {
			Key   string `xml:"Key"`
			Value string `xml:"Value"`
		} `xml:"ListQueueTagsResult>Tag"`
	}
	queryOK(t, e, "/", "TagQueue", map[string]string{"QueueUrl": created.QueueUrl, "Tag.1.Key": "a", "Tag.1.Value": "1"}, nil)
	queryOK(t, e, "/", "UntagQueue", map[string]string{"QueueUrl": created.QueueUrl, "TagKey.1": "orders:stack"}, nil)
	queryOK(t, e, "/", "ListQueueTags", map[string]string{"QueueUrl": created.QueueUrl}, &tags)
	if len(tags.Tags) != 1 || tags.Tags[0].Key != "a" || tags.Tags[0].Value != "1" {
		t.Fatalf("ListQueueTagsResult = %+v", tags)
	}
	var listed struct {
		QueueUrls []string `xml:"ListQueuesResult>QueueUrl"`
	}
	queryOK(t, e, "/", "ListQueues", map[string]string{"QueueNamePrefix": "leg"}, &listed)
	if len(listed.QueueUrls) != 1 || listed.QueueUrls[0] != created.QueueUrl {
		t.Fatalf("ListQueuesResult = %+v", listed)
	}
	var byName struct {
		QueueUrl string `xml:"GetQueueUrlResult>QueueUrl"`
	}
	queryOK(t, e, "/", "GetQueueUrl", map[string]string{"QueueName": "legacy"}, &byName)
	if byName.QueueUrl != created.QueueUrl {
		t.Fatalf("GetQueueUrlResult = %+v", byName)
	}
	queryOK(t, e, "/", "ListDeadLetterSourceQueues", map[string]string{"QueueUrl": created.QueueUrl}, nil)
	queryOK(t, e, "/", "PurgeQueue", map[string]string{"QueueUrl": created.QueueUrl}, nil)
	queryOK(t, e, "/", "DeleteQueue", map[string]string{"QueueUrl": created.QueueUrl}, nil)
}

// Errors come as SQS writes them in XML: the legacy code, the fault type
// and the status of the model's awsQueryError trait.
func TestQueryProtocolErrors(t *testing.T) {
	e := newEnv(t)
	status, body := queryRequest(t, e, "/", url.Values{"Action": {"GetQueueUrl"}, "Version": {"2012-11-05"}, "QueueName": {"missing"}})
	var er struct {
		XMLName xml.Name
		Type    string `xml:"Error>Type"`
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
		ReqID   string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(body, &er); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if status != 400 || er.XMLName.Local != "ErrorResponse" || er.XMLName.Space != XMLNamespace || er.Type != "Sender" ||
		er.Code != "AWS.SimpleQueueService.NonExistentQueue" || er.Message != "The specified queue does not exist." || er.ReqID == "" {
		t.Fatalf("status %d, %+v\n%s", status, er, body)
	}
	status, body = queryRequest(t, e, "/", url.Values{"Action": {"ReceiveMessage"}, "Version": {"2012-11-05"}, "QueueUrl": {"nosuch"}, "MaxNumberOfMessages": {"ten"}})
	if status != 400 || !strings.Contains(string(body), "<Code>InvalidParameterValue</Code>") {
		t.Fatalf("non-integer MaxNumberOfMessages: %d %s", status, body)
	}
	status, body = queryRequest(t, e, "/", url.Values{"Action": {"SendMessageBatch"}, "Version": {"2012-11-05"}, "QueueUrl": {"nosuch"}, "SendMessageBatchRequestEntry.x.Id": {"a"}})
	if status != 400 || !strings.Contains(string(body), "<Code>InvalidParameterValue</Code>") {
		t.Fatalf("badly numbered entry: %d %s", status, body)
	}
}
