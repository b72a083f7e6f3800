package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// The shape every error must have, per protocol.
const (
	shapeJSON10 = "awsJson1_0" // DynamoDB: __type body
	shapeSQS    = "sqs"        // awsJson1_0 + x-amzn-query-error header
	shapeJSON11 = "awsJson1_1" // CloudWatch Logs
	shapeQuery  = "awsQuery"   // SNS, IAM, STS: <ErrorResponse><Error>
	shapeREST   = "restJson1"  // Lambda: X-Amzn-ErrorType header + JSON body
)

// garbageRequest is one malformed request and the protocol whose error shape
// it must be answered in.
type garbageRequest struct {
	name   string
	method string
	path   string // may carry a raw query; sent as is
	header map[string]string
	body   func() io.Reader
	shape  string
	// lenient: AWS's answer is not pinned down (an odd but decodable
	// request); any status below 500 will do, and an error must still
	// have the protocol's shape.
	lenient bool
	// frontDoor: net/http itself refuses the request line before any
	// handler runs (as AWS's load balancers do): a plain 400 is right.
	frontDoor bool
}

func bodyOf(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

// bigBody streams n bytes of c without holding them in the test.
func bigBody(n int64, c byte) func() io.Reader {
	return func() io.Reader { return io.LimitReader(repeatReader(c), n) }
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

func jsonReq(name, target, shape, body string) garbageRequest {
	ct := "application/x-amz-json-1.0"
	if shape == shapeJSON11 {
		ct = "application/x-amz-json-1.1"
	}
	return garbageRequest{name: name, method: "POST", path: "/", shape: shape, body: bodyOf(body),
		header: map[string]string{"X-Amz-Target": target, "Content-Type": ct}}
}

func formReq(name, body string) garbageRequest {
	return garbageRequest{name: name, method: "POST", path: "/", shape: shapeQuery, body: bodyOf(body),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
}

func restReq(name, method, path, body string) garbageRequest {
	return garbageRequest{name: name, method: method, path: path, shape: shapeREST, body: bodyOf(body),
		header: map[string]string{"Content-Type": "application/json"}}
}

// garbageRequests covers every protocol with bad JSON, bad XML and forms,
// bad paths, bad headers and huge bodies.
func garbageRequests() []garbageRequest {
	var rs []garbageRequest
	deep := strings.Repeat("[", 100000)
	jsonTargets := []struct{ target, shape, wrongTypes string }{
		{"DynamoDB_20120810.PutItem", shapeJSON10, `{"TableName":5,"Item":"x"}`},
		{"DynamoDB_20120810.Query", shapeJSON10, `{"TableName":"OrdersTable","KeyConditionExpression":"((((((((","ExpressionAttributeValues":{":a":{"Q":"1"}}}`},
		{"DynamoDB_20120810.UpdateItem", shapeJSON10, `{"TableName":"OrdersTable","Key":{"OrderId":{"S":"a"}},"UpdateExpression":"SET #a = :b ADD","ExpressionAttributeValues":{":b":{"N":"1e400000"}}}`},
		{"AmazonSQS.SendMessage", shapeSQS, `{"QueueUrl":5,"MessageBody":[]}`},
		{"AmazonSQS.ReceiveMessage", shapeSQS, `{"QueueUrl":"http://x/000000000000/nope","MaxNumberOfMessages":"ten"}`},
		{"Logs_20140328.PutLogEvents", shapeJSON11, `{"logGroupName":5,"logEvents":{}}`},
		{"Logs_20140328.FilterLogEvents", shapeJSON11, `{"logGroupName":"/g","filterPattern":"\"unterminated"}`},
	}
	for _, jt := range jsonTargets {
		op := jt.target[strings.Index(jt.target, ".")+1:]
		rs = append(rs,
			jsonReq(op+"/truncated JSON", jt.target, jt.shape, `{"a":`),
			jsonReq(op+"/not JSON", jt.target, jt.shape, `not json at all`),
			jsonReq(op+"/array", jt.target, jt.shape, `[]`),
			jsonReq(op+"/null", jt.target, jt.shape, `null`),
			jsonReq(op+"/empty body", jt.target, jt.shape, ``),
			jsonReq(op+"/invalid UTF-8", jt.target, jt.shape, "{\"\xff\xfe\":\"\xc3\x28\"}"),
			jsonReq(op+"/deep nesting", jt.target, jt.shape, deep),
			jsonReq(op+"/wrong member types", jt.target, jt.shape, jt.wrongTypes),
			jsonReq(op+"/trailing data", jt.target, jt.shape, `{} {}`),
		)
		huge := jsonReq(op+"/17 MiB body", jt.target, jt.shape, "")
		huge.body = bigBody(17<<20, ' ')
		rs = append(rs, huge)
	}
	rs = append(rs,
		jsonReq("DynamoDB unknown operation", "DynamoDB_20120810.DropEverything", shapeJSON10, `{}`),
		jsonReq("DynamoDB target without operation", "DynamoDB_20120810", shapeJSON10, `{}`),
		jsonReq("DynamoDB target with empty operation", "DynamoDB_20120810.", shapeJSON10, `{}`),
		jsonReq("unknown target prefix", "Nope_20990101.PutItem", shapeJSON10, `{}`),
		jsonReq("lowercase target prefix", "dynamodb_20120810.PutItem", shapeJSON10, `{}`),
		jsonReq("SQS unknown operation", "AmazonSQS.Explode", shapeSQS, `{}`),
		jsonReq("Logs unknown operation", "Logs_20140328.Explode", shapeJSON11, `{}`),
	)

	forms := []struct{ name, body string }{
		{"bad escape", "Action=CreateTopic&Name=%zz"},
		{"no Action", "Name=x&Version=2010-03-31"},
		{"empty Action", "Action=&Version=2010-03-31"},
		{"unknown Action", "Action=LaunchMissiles&Version=2010-03-31"},
		{"CreateTopic without Name", "Action=CreateTopic&Version=2010-03-31"},
		{"CreateTopic long name", "Action=CreateTopic&Version=2010-03-31&Name=" + strings.Repeat("x", 10000)},
		{"Publish to a non-ARN", "Action=Publish&Version=2010-03-31&TopicArn=garbage&Message=x"},
		{"Publish huge attribute index", "Action=Publish&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:t&Message=x" +
			"&MessageAttributes.entry.999999999999.Name=a&MessageAttributes.entry.999999999999.Value.DataType=String"},
		{"Subscribe with junk attributes", "Action=Subscribe&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:t&Protocol=sqs&Endpoint=x" +
			"&Attributes.entry.1.key=FilterPolicy&Attributes.entry.1.value=%7B%7B%7B"},
		{"CreateRole with broken JSON", "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%22Statement%22%3A"},
		{"CreateRole with deep JSON", "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=" + strings.Repeat("%5B", 50000)},
		{"PutRolePolicy to a missing role", "Action=PutRolePolicy&Version=2010-05-08&RoleName=nope&PolicyName=p&PolicyDocument=%7B%7D"},
		{"GetRole with a path in the name", "Action=GetRole&Version=2010-05-08&RoleName=..%2F..%2Fetc"},
		{"AssumeRole with a non-ARN", "Action=AssumeRole&Version=2011-06-15&RoleArn=garbage&RoleSessionName=s"},
		{"AssumeRole with an absurd duration", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/x&RoleSessionName=s&DurationSeconds=99999999999999999999"},
		{"XML instead of a form", `<?xml version="1.0"?><CreateTopic><Name>x</Name></CreateTopic>`},
		{"binary body", "\x00\x01\x02\xff\xfe"},
	}
	for _, f := range forms {
		rs = append(rs, formReq("query/"+f.name, f.body))
	}
	// Odd list and map indexes: only the order of members matters to AWS's
	// query parsers, so these may be accepted; they must not be trusted
	// as a length (a 2^31 slice) or crash.
	for _, idx := range []string{"-1", "0", "2147483648", "9223372036854775807", "99999999999999999999"} {
		r := formReq("query/Publish attribute index "+idx, "Action=Publish&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:t&Message=x"+
			"&MessageAttributes.entry."+idx+".Name=a&MessageAttributes.entry."+idx+".Value.DataType=String&MessageAttributes.entry."+idx+".Value.StringValue=v")
		r.lenient = true
		b := formReq("query/PublishBatch member index "+idx, "Action=PublishBatch&Version=2010-03-31&TopicArn=arn:aws:sns:us-east-1:000000000000:t"+
			"&PublishBatchRequestEntries.member."+idx+".Id=a&PublishBatchRequestEntries.member."+idx+".Message=m")
		b.lenient = true
		q := formReq("query/SetTopicAttributes tag index "+idx, "Action=TagResource&Version=2010-03-31&ResourceArn=arn:aws:sns:us-east-1:000000000000:t"+
			"&Tags.member."+idx+".Key=k&Tags.member."+idx+".Value=v")
		q.lenient = true
		rs = append(rs, r, b, q)
	}
	hugeForm := formReq("query/17 MiB body", "")
	hugeForm.body = bigBody(17<<20, 'a')
	rs = append(rs, hugeForm)

	rs = append(rs,
		restReq("lambda/CreateFunction truncated JSON", "POST", "/2015-03-31/functions", `{"FunctionName":`),
		restReq("lambda/CreateFunction array", "POST", "/2015-03-31/functions", `[]`),
		restReq("lambda/CreateFunction wrong types", "POST", "/2015-03-31/functions", `{"FunctionName":5,"Code":"x","Timeout":"ten"}`),
		restReq("lambda/CreateFunction bad base64 zip", "POST", "/2015-03-31/functions",
			`{"FunctionName":"f","Runtime":"provided.al2023","Handler":"bootstrap","Role":"arn:aws:iam::000000000000:role/r","Code":{"ZipFile":"!!!"}}`),
		restReq("lambda/CreateFunction empty zip", "POST", "/2015-03-31/functions",
			`{"FunctionName":"f","Runtime":"provided.al2023","Handler":"bootstrap","Role":"arn:aws:iam::000000000000:role/r","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`),
		restReq("lambda/too many path segments", "GET", "/2015-03-31/functions/a/b/c/d/e", ``),
		restReq("lambda/dot segments", "GET", "/2015-03-31/functions/../../../etc/passwd", ``),
		restReq("lambda/unsupported method", "PATCH", "/2015-03-31/functions", `{}`),
		restReq("lambda/ListFunctions bad MaxItems", "GET", "/2015-03-31/functions?MaxItems=-5", ``),
		restReq("lambda/ListFunctions non-numeric MaxItems", "GET", "/2015-03-31/functions?MaxItems=lots", ``),
		restReq("lambda/ListFunctions garbage Marker", "GET", "/2015-03-31/functions?Marker=%00%01garbage", ``),
		restReq("lambda/GetFunction long name", "GET", "/2015-03-31/functions/"+strings.Repeat("f", 5000), ``),
		restReq("lambda/GetFunction bad qualifier", "GET", "/2015-03-31/functions/f?Qualifier=%24%24%24", ``),
		restReq("lambda/Invoke missing function", "POST", "/2015-03-31/functions/missing/invocations", `{"OrderId":`),
		restReq("lambda/UpdateFunctionConfiguration truncated", "PUT", "/2015-03-31/functions/f/configuration", `{`),
		restReq("lambda/UpdateFunctionCode truncated", "PUT", "/2015-03-31/functions/f/code", `{"ZipFile":`),
		restReq("lambda/TagResource bad JSON", "POST", "/2017-03-31/tags/arn:aws:lambda:us-east-1:000000000000:function:f", `{"Tags":[`),
		restReq("lambda/TagResource not an ARN", "POST", "/2017-03-31/tags/garbage", `{"Tags":{"a":"b"}}`),
		restReq("lambda/UntagResource not an ARN", "DELETE", "/2017-03-31/tags/garbage?tagKeys=a", ``),
		restReq("lambda/unknown API version path", "GET", "/2021-10-31/functions/f/url", ``),
	)
	badEscape := restReq("lambda/bad escape in path", "GET", "/2015-03-31/functions/%zz", ``)
	badEscape.frontDoor = true
	rs = append(rs, badEscape)
	inv := restReq("lambda/Invoke bad invocation type", "POST", "/2015-03-31/functions/f/invocations", `{}`)
	inv.header["X-Amz-Invocation-Type"] = "Sometimes"
	inv.header["X-Amz-Log-Type"] = "Everything"
	rs = append(rs, inv)
	ctx := restReq("lambda/Invoke bad client context", "POST", "/2015-03-31/functions/f/invocations", `{}`)
	ctx.header["X-Amz-Client-Context"] = "!!!not base64!!!"
	rs = append(rs, ctx)
	hugeREST := restReq("lambda/81 MiB body", "POST", "/2015-03-31/functions", "")
	hugeREST.body = bigBody(81<<20, 'a')
	rs = append(rs, hugeREST)

	rs = append(rs,
		garbageRequest{name: "path/GET root", method: "GET", path: "/", shape: shapeREST, body: bodyOf("")},
		garbageRequest{name: "path/unknown", method: "GET", path: "/favicon.ico", shape: shapeREST, body: bodyOf("")},
		garbageRequest{name: "path/traversal", method: "GET", path: "/../../etc/passwd", shape: shapeREST, body: bodyOf("")},
		garbageRequest{name: "path/long", method: "GET", path: "/" + strings.Repeat("a/", 20000), shape: shapeREST, body: bodyOf("")},
		garbageRequest{name: "path/DELETE root", method: "DELETE", path: "/", shape: shapeREST, body: bodyOf("")},
		garbageRequest{name: "path/PUT queue URL", method: "PUT", path: "/000000000000/HighValueQueue", shape: shapeREST, body: bodyOf("x")},
	)
	return rs
}

// checkShape fails unless resp is a 4xx in the protocol's error shape.
func checkShape(t *testing.T, shape string, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode < 400 || resp.StatusCode > 499 {
		t.Errorf("status %d, want 4xx; body: %.300s", resp.StatusCode, body)
		return
	}
	switch shape {
	case shapeJSON10, shapeSQS, shapeJSON11:
		want := "application/x-amz-json-1.0"
		if shape == shapeJSON11 {
			want = "application/x-amz-json-1.1"
		}
		if ct := resp.Header.Get("Content-Type"); ct != want {
			t.Errorf("Content-Type %q, want %q", ct, want)
		}
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Type == "" || e.Message == "" {
			t.Errorf("not a %s error (%v): %.300s", shape, err, body)
		}
		if shape == shapeSQS && !strings.Contains(resp.Header.Get("X-Amzn-Query-Error"), ";") {
			t.Errorf("SQS error without x-amzn-query-error (%q): %.300s", resp.Header.Get("X-Amzn-Query-Error"), body)
		}
	case shapeQuery:
		var e struct {
			XMLName   xml.Name `xml:"ErrorResponse"`
			Type      string   `xml:"Error>Type"`
			Code      string   `xml:"Error>Code"`
			Message   string   `xml:"Error>Message"`
			RequestID string   `xml:"RequestId"`
		}
		if err := xml.Unmarshal(body, &e); err != nil || e.Code == "" || e.Type == "" || e.RequestID == "" {
			t.Errorf("not an awsQuery <ErrorResponse> (%v): %.300s", err, body)
		}
	case shapeREST:
		if resp.Header.Get("X-Amzn-Errortype") == "" {
			t.Errorf("no X-Amzn-ErrorType header; body: %.300s", body)
		}
		var e map[string]any
		if err := json.Unmarshal(body, &e); err != nil || (e["message"] == nil && e["Message"] == nil) {
			t.Errorf("not a restJson1 error (%v): %.300s", err, body)
		}
	}
}

// send sends r to base with a client that does not retry or follow
// redirects, and returns the response with its body read.
func send(t *testing.T, base string, r garbageRequest) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, base, r.body())
	if err != nil {
		t.Fatal(err)
	}
	// The path goes on the wire exactly as written: no cleaning, no re-escaping.
	req.URL.Opaque = ""
	req.URL.RawPath = ""
	path, rawQuery, _ := strings.Cut(r.path, "?")
	req.URL.Path, req.URL.RawQuery = path, rawQuery
	if p, err := url.PathUnescape(path); err == nil {
		req.URL.Path, req.URL.RawPath = p, path
	} else {
		req.URL.Opaque = "//" + req.URL.Host + path
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	return resp, body
}

// stillServes makes one good request per protocol.
func stillServes(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	cfg := adminConfig(url)
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("awsQuery no longer served: %v", err)
	}
	if _, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("awsJson no longer served: %v", err)
	}
	if _, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{}); err != nil {
		t.Fatalf("restJson1 no longer served: %v", err)
	}
}

// TestGarbageGets4xx sends malformed requests of every kind to every
// protocol: each gets a 4xx in its protocol's error shape (never a 5xx, a
// hang or a dropped connection), and the server answers a good request of
// every protocol afterwards.
func TestGarbageGets4xx(t *testing.T) {
	t.Parallel()
	_, base := openAt(t, t.TempDir())
	// Resources the garbage names, so requests get past "not found" to
	// the decoding of their members.
	if err := createOrdersTable(context.Background(), dynamodb.NewFromConfig(adminConfig(base))); err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(adminConfig(base)).CreateTopic(context.Background(), &sns.CreateTopicInput{Name: aws.String("t")}); err != nil {
		t.Fatal(err)
	}
	for _, r := range garbageRequests() {
		t.Run(r.name, func(t *testing.T) {
			resp, body := send(t, base, r)
			switch {
			case r.frontDoor:
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("status %d, want 400 from net/http; body: %.300s", resp.StatusCode, body)
				}
			case r.lenient && resp.StatusCode < 400:
			default:
				checkShape(t, r.shape, resp, body)
			}
			stillServes(t, base)
		})
	}
}

// TestBadSignatures: requests signed with credentials the emulator issued
// (an IAM user's access key) but a wrong signature, a wrong date or a
// missing session token are refused with 403 in each protocol's shape and
// AWS's codes; the server keeps serving.
func TestBadSignatures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, base := openAt(t, t.TempDir())
	iamc := iam.NewFromConfig(adminConfig(base))
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	akid := aws.ToString(key.AccessKey.AccessKeyId)
	// A current time stamp: a stale one is refused before the signature
	// is even checked.
	date := time.Now().UTC().Format("20060102T150405Z")
	auth := func(svc, extra string) string {
		return "AWS4-HMAC-SHA256 Credential=" + akid + "/" + date[:8] + "/us-east-1/" + svc + "/aws4_request, " +
			"SignedHeaders=content-type;host;x-amz-date" + extra + ", Signature=" + strings.Repeat("0", 64)
	}
	type sigCase struct {
		req  garbageRequest
		code string
	}
	withAuth := func(r garbageRequest, svc, code string) sigCase {
		h := map[string]string{"Authorization": auth(svc, ""), "X-Amz-Date": date}
		for k, v := range r.header {
			h[k] = v
		}
		r.header = h
		return sigCase{req: r, code: code}
	}
	cases := []sigCase{
		withAuth(jsonReq("dynamodb", "DynamoDB_20120810.ListTables", shapeJSON10, `{}`), "dynamodb", "InvalidSignatureException"),
		withAuth(jsonReq("sqs", "AmazonSQS.ListQueues", shapeSQS, `{}`), "sqs", "SignatureDoesNotMatch"),
		withAuth(jsonReq("logs", "Logs_20140328.DescribeLogGroups", shapeJSON11, `{}`), "logs", "InvalidSignatureException"),
		withAuth(formReq("sns", "Action=ListTopics&Version=2010-03-31"), "sns", "SignatureDoesNotMatch"),
		withAuth(formReq("iam", "Action=ListRoles&Version=2010-05-08"), "iam", "SignatureDoesNotMatch"),
		withAuth(formReq("sts", "Action=GetCallerIdentity&Version=2011-06-15"), "sts", "SignatureDoesNotMatch"),
		withAuth(restReq("lambda", "GET", "/2015-03-31/functions", ``), "lambda", "InvalidSignatureException"),
	}
	garbled := withAuth(jsonReq("dynamodb garbled date", "DynamoDB_20120810.ListTables", shapeJSON10, `{}`), "dynamodb", "InvalidSignatureException")
	garbled.req.header["X-Amz-Date"] = "yesterday"
	cases = append(cases, garbled)
	for _, c := range cases {
		t.Run(c.req.name, func(t *testing.T) {
			resp, body := send(t, base, c.req)
			checkShape(t, c.req.shape, resp, body)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
			if !bytes.Contains(body, []byte(c.code)) && !strings.Contains(resp.Header.Get("X-Amzn-Errortype"), c.code) {
				t.Errorf("want %s; got %.300s", c.code, body)
			}
			stillServes(t, base)
		})
	}
}

// TestScopeRegionMustBeARegion: dispatch must not take any region from the
// SigV4 credential scope, since services build ARNs with it. CreateTopic signed for region "evil:region!"
// answers 200 with TopicArn arn:aws:sns:evil:region!:000000000000:t1, an
// ARN that Publish and Subscribe then reject as InvalidParameter (the extra
// colon shifts the account field). AWS refuses such a request at the front
// door with 403 ("Credential should be scoped to a valid region").
func TestScopeRegionMustBeARegion(t *testing.T) {
	t.Parallel()
	_, base := openAt(t, t.TempDir())
	for _, region := range []string{"evil:region!", "US EAST 1", "us-east-1;x"} {
		r := formReq("sns CreateTopic in "+region, "Action=CreateTopic&Version=2010-03-31&Name=t1")
		r.header["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20250101/" + region +
			"/sns/aws4_request, SignedHeaders=host, Signature=" + strings.Repeat("0", 64)
		r.header["X-Amz-Date"] = time.Now().UTC().Format("20060102T150405Z")
		resp, body := send(t, base, r)
		checkShape(t, shapeQuery, resp, body)
	}
}

// TestSignedQuerySortsEncoded: SigV4's canonical query string sorts
// parameters by their URI-encoded names and values, not the decoded ones. When the two orders differ — a non-ASCII
// value next to an ASCII one, e.g. Lambda UntagResource with TagKeys ["é",
// "a"] ("%C3%A9" sorts before "a", "é" after it) — a correctly signed request
// from credentials the emulator issued is refused with 403
// InvalidSignatureException. boto3 and aws-sdk-go-v2 both hit it.
func TestSignedQuerySortsEncoded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, base := openAt(t, t.TempDir())
	admin := adminConfig(base)
	iamc := iam.NewFromConfig(admin)
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := lambda.NewFromConfig(emutest.ConfigFor(base, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	arn := "arn:aws:lambda:us-east-1:" + DefaultAccount + ":function:ProcessOrderFunction"
	for _, keys := range [][]string{{"a", "b"}, {"é", "a"}, {"-", "/"}} {
		_, err := dev.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: keys})
		// The function does not exist: NotFound proves the signature was accepted.
		if code := errorCode(err); code != "ResourceNotFoundException" {
			t.Errorf("UntagResource %q signed by an IAM user: %v, want ResourceNotFoundException", keys, err)
		}
	}
}
