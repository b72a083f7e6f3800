package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

var lastModifiedRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$`)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func TestCreateGetListDelete(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	zipBytes := noBootZip
	out := e.create(t, "orders-fn", zipBytes, func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"TABLE_NAME": "OrdersTable"}}
		in.MemorySize = aws.Int32(256)
		in.Tags = map[string]string{"orders:stack": "orders"}
		in.Architectures = []types.Architecture{types.ArchitectureArm64}
	})
	if got, want := aws.ToString(out.FunctionArn), "arn:aws:lambda:us-east-1:000000000000:function:orders-fn"; got != want {
		t.Errorf("FunctionArn = %s, want %s", got, want)
	}
	if aws.ToString(out.CodeSha256) != sha(zipBytes) || out.CodeSize != int64(len(zipBytes)) {
		t.Errorf("CodeSha256/CodeSize = %s/%d, want %s/%d", aws.ToString(out.CodeSha256), out.CodeSize, sha(zipBytes), len(zipBytes))
	}
	// "After Lambda creates the function, it sets the state to pending"
	// (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
	if aws.ToString(out.Version) != "$LATEST" || out.State != types.StatePending || out.StateReasonCode != types.StateReasonCodeCreating {
		t.Errorf("Version/State/StateReasonCode = %s/%s/%s", aws.ToString(out.Version), out.State, out.StateReasonCode)
	}
	if !lastModifiedRE.MatchString(aws.ToString(out.LastModified)) {
		t.Errorf("LastModified = %q, not Lambda's format", aws.ToString(out.LastModified))
	}
	if aws.ToInt32(out.Timeout) != 10 || aws.ToInt32(out.MemorySize) != 256 || out.Runtime != types.RuntimeProvidedal2023 ||
		aws.ToString(out.Handler) != "bootstrap" || aws.ToString(out.Role) != testRole {
		t.Errorf("configuration not as created: %+v", out)
	}
	if len(out.Architectures) != 1 || out.Architectures[0] != types.ArchitectureArm64 {
		t.Errorf("Architectures = %v", out.Architectures)
	}
	if out.Environment == nil || out.Environment.Variables["TABLE_NAME"] != "OrdersTable" {
		t.Errorf("Environment = %+v", out.Environment)
	}
	if out.RevisionId == nil || *out.RevisionId == "" {
		t.Error("no RevisionId")
	}

	// Waiters see the final state on their first poll.
	start := time.Now()
	if err := awslambda.NewFunctionActiveV2Waiter(e.client).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("orders-fn")}, 30*time.Second); err != nil {
		t.Fatalf("FunctionActiveV2: %v", err)
	}
	if err := awslambda.NewFunctionUpdatedV2Waiter(e.client).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("orders-fn")}, 30*time.Second); err != nil {
		t.Fatalf("FunctionUpdatedV2: %v", err)
	}
	if waited := time.Since(start); waited > 20*time.Second {
		t.Errorf("waiters polled more than once (%s)", waited)
	}

	got, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("orders-fn")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Configuration.CodeSha256) != sha(zipBytes) || got.Tags["orders:stack"] != "orders" {
		t.Errorf("GetFunction = %+v tags %v", got.Configuration, got.Tags)
	}
	if aws.ToString(got.Code.RepositoryType) != "S3" || aws.ToString(got.Code.Location) == "" {
		t.Errorf("Code = %+v", got.Code)
	}
	// The code location serves the zip.
	resp, err := http.Get(aws.ToString(got.Code.Location))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if sha(body) != sha(zipBytes) {
		t.Errorf("code location served %d bytes that are not the zip", len(body))
	}
	// By ARN and with $LATEST as well.
	for _, name := range []string{"arn:aws:lambda:us-east-1:000000000000:function:orders-fn", "orders-fn:$LATEST", "000000000000:function:orders-fn"} {
		c, err := e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil || aws.ToString(c.FunctionName) != "orders-fn" {
			t.Errorf("GetFunctionConfiguration(%s) = %v, %v", name, c, err)
		}
	}

	// List, paginated.
	e.create(t, "a-fn", zipBytes)
	e.create(t, "z-fn", zipBytes)
	var names []string
	p := awslambda.NewListFunctionsPaginator(e.client, &awslambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, f := range page.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	if strings.Join(names, ",") != "a-fn,orders-fn,z-fn" || pages != 2 {
		t.Errorf("ListFunctions = %v in %d pages", names, pages)
	}

	// Delete, then it is gone with AWS's error.
	if _, err := e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("orders-fn")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("orders-fn")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("GetFunction after delete: %v, want ResourceNotFoundException", err)
	}
	if want := "Function not found: arn:aws:lambda:us-east-1:000000000000:function:orders-fn"; nf.ErrorMessage() != want {
		t.Errorf("message = %q, want %q", nf.ErrorMessage(), want)
	}
	_, err = e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("orders-fn")})
	if !errors.As(err, &nf) {
		t.Errorf("second delete: %v, want ResourceNotFoundException", err)
	}
	// Code still used by a-fn and z-fn survives; a function in another
	// region is separate.
	if b, _ := e.st.Get(bucketCode, sha(zipBytes)); b == nil {
		t.Error("code blob deleted while other functions use it")
	}
	_, err = e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("a-fn")}, func(o *awslambda.Options) { o.Region = "eu-west-1" })
	if !errors.As(err, &nf) {
		t.Errorf("a-fn in eu-west-1: %v, want ResourceNotFoundException", err)
	}
}

func TestUpdates(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	first := e.create(t, "fn", noBootZip)

	cfg, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"),
		Timeout:      aws.Int32(30),
		MemorySize:   aws.Int32(512),
		Handler:      aws.String("other"),
		Runtime:      types.RuntimeProvidedal2,
		Environment:  &types.Environment{Variables: map[string]string{"THRESHOLD": "100"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(cfg.Timeout) != 30 || aws.ToInt32(cfg.MemorySize) != 512 || aws.ToString(cfg.Handler) != "other" ||
		cfg.Runtime != types.RuntimeProvidedal2 || cfg.Environment.Variables["THRESHOLD"] != "100" {
		t.Errorf("UpdateFunctionConfiguration = %+v", cfg)
	}
	if aws.ToString(cfg.RevisionId) == aws.ToString(first.RevisionId) {
		t.Error("RevisionId did not change")
	}
	if aws.ToString(cfg.CodeSha256) != sha(noBootZip) {
		t.Error("configuration update changed the code")
	}

	newZip := zipOf(map[string][]byte{"other.txt": []byte("v2")}, 0o644)
	code, err := e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
		FunctionName:  aws.String("fn"),
		ZipFile:       newZip,
		Architectures: []types.Architecture{types.ArchitectureArm64},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(code.CodeSha256) != sha(newZip) || code.CodeSize != int64(len(newZip)) || code.Architectures[0] != types.ArchitectureArm64 {
		t.Errorf("UpdateFunctionCode = %+v", code)
	}
	if aws.ToInt32(code.Timeout) != 30 {
		t.Error("code update lost the configuration")
	}
	if b, _ := e.st.Get(bucketCode, sha(noBootZip)); b != nil {
		t.Error("old code blob kept after nothing uses it")
	}
	if b, _ := e.st.Get(bucketCode, sha(newZip)); b == nil {
		t.Error("new code blob not stored")
	}
	if err := awslambda.NewFunctionUpdatedV2Waiter(e.client).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}, 30*time.Second); err != nil {
		t.Fatalf("FunctionUpdatedV2: %v", err)
	}

	// A stale RevisionId is refused.
	_, err = e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), RevisionId: first.RevisionId, Timeout: aws.Int32(5),
	})
	var pf *types.PreconditionFailedException
	if !errors.As(err, &pf) {
		t.Errorf("stale RevisionId: %v, want PreconditionFailedException", err)
	}

	// Clearing the environment.
	cfg, err = e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), Environment: &types.Environment{},
	})
	if err != nil || (cfg.Environment != nil && len(cfg.Environment.Variables) > 0) {
		t.Errorf("clear environment: %+v, %v", cfg.Environment, err)
	}

	_, err = e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("nope"), ZipFile: newZip})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("update missing function: %v", err)
	}
}

func TestTags(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	arn := aws.ToString(e.create(t, "fn", noBootZip, func(in *awslambda.CreateFunctionInput) {
		in.Tags = map[string]string{"a": "1"}
	}).FunctionArn)
	if _, err := e.client.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"b": "2", "a": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagResource(ctx, &awslambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: []string{"b", "missing"}}); err != nil {
		t.Fatal(err)
	}
	lt, err := e.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lt.Tags) != 1 || lt.Tags["a"] != "3" {
		t.Errorf("tags = %v, want a=3", lt.Tags)
	}
	_, err = e.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(arn + "x")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("ListTags on a missing function: %v", err)
	}
	_, err = e.client.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"aws:x": "1"}})
	var ip *types.InvalidParameterValueException
	if !errors.As(err, &ip) {
		t.Errorf("reserved tag key: %v", err)
	}
}

func TestCreateErrors(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	e.create(t, "dup", noBootZip)

	var conflict *types.ResourceConflictException
	_, err := e.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: aws.String("dup"), Runtime: types.RuntimeProvidedal2023, Role: aws.String(testRole),
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: noBootZip},
	})
	if !errors.As(err, &conflict) || !strings.Contains(conflict.ErrorMessage(), "Function already exist: dup") {
		t.Errorf("duplicate: %v, want ResourceConflictException", err)
	}

	cases := []struct {
		name string
		mod  func(*awslambda.CreateFunctionInput)
		code string
		msg  string
	}{
		{"not a zip", func(in *awslambda.CreateFunctionInput) { in.Code.ZipFile = []byte("not a zip at all") },
			"InvalidParameterValueException", "Could not unzip uploaded file"},
		{"untrusted role", func(in *awslambda.CreateFunctionInput) {
			in.Role = aws.String("arn:aws:iam::000000000000:role/not-for-lambda")
		}, "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."},
		{"malformed role", func(in *awslambda.CreateFunctionInput) { in.Role = aws.String("role") }, "ValidationException", "at 'role'"},
		{"timeout 0", func(in *awslambda.CreateFunctionInput) { in.Timeout = aws.Int32(0) }, "ValidationException", "greater than or equal to 1"},
		{"timeout 901", func(in *awslambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) }, "ValidationException", "less than or equal to 900"},
		{"memory 64", func(in *awslambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }, "ValidationException", "at 'memorySize'"},
		{"memory 20000", func(in *awslambda.CreateFunctionInput) { in.MemorySize = aws.Int32(20000) }, "ValidationException", "less than or equal to 10240"},
		{"architecture", func(in *awslambda.CreateFunctionInput) { in.Architectures = []types.Architecture{"sparc"} }, "ValidationException", "architectures"},
		{"runtime", func(in *awslambda.CreateFunctionInput) { in.Runtime = "cobol" }, "ValidationException", "at 'runtime'"},
		{"blocked runtime", func(in *awslambda.CreateFunctionInput) { in.Runtime = types.RuntimeGo1x }, "InvalidParameterValueException", "no longer supported"},
		{"name", func(in *awslambda.CreateFunctionInput) { in.FunctionName = aws.String("bad name!") }, "ValidationException", "at 'functionName'"},
		{"reserved env", func(in *awslambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "x"}}
		}, "InvalidParameterValueException", "Reserved keys used in this request: AWS_REGION"},
		{"no code", func(in *awslambda.CreateFunctionInput) { in.Code = &types.FunctionCode{} }, "InvalidParameterValueException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &awslambda.CreateFunctionInput{
				FunctionName: aws.String("new-fn"), Runtime: types.RuntimeProvidedal2023, Role: aws.String(testRole),
				Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: noBootZip},
			}
			c.mod(in)
			_, err := e.client.CreateFunction(ctx, in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != c.code || !strings.Contains(ae.ErrorMessage(), c.msg) {
				t.Fatalf("got %v, want %s containing %q", err, c.code, c.msg)
			}
			if c.code == "InvalidParameterValueException" {
				var ip *types.InvalidParameterValueException
				if !errors.As(err, &ip) {
					t.Errorf("not the typed InvalidParameterValueException: %T", err)
				}
			}
		})
	}
	if _, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("new-fn")}); err == nil {
		t.Error("a refused create left a function behind")
	}
}

func TestRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, st, dispatch.Options{})
	e.create(t, "keep", noBootZip, func(in *awslambda.CreateFunctionInput) {
		in.Tags = map[string]string{"k": "v"}
	})
	e.create(t, "gone", noBootZip)
	if _, err := e.client.DeleteFunction(context.Background(), &awslambda.DeleteFunctionInput{FunctionName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.client.GetFunction(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String("keep")})
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newTestEnvOn(t, st2, dispatch.Options{})
	after, err := e2.client.GetFunction(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String("keep")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.Configuration.RevisionId) != aws.ToString(before.Configuration.RevisionId) ||
		aws.ToString(after.Configuration.LastModified) != aws.ToString(before.Configuration.LastModified) ||
		after.Tags["k"] != "v" {
		t.Errorf("after restart %+v, before %+v", after.Configuration, before.Configuration)
	}
	if b, _ := st2.Get(bucketCode, sha(noBootZip)); b == nil {
		t.Error("code lost across restart")
	}
	var nf *types.ResourceNotFoundException
	if _, err := e2.client.GetFunction(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String("gone")}); !errors.As(err, &nf) {
		t.Errorf("deleted function back after restart: %v", err)
	}
}

func TestUnknownRoute(t *testing.T) {
	e := newTestEnv(t)
	req, _ := http.NewRequest(http.MethodPatch, e.url+"/2015-03-31/functions/x", nil)
	signTest(t, req, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-Errortype") != "UnknownOperationException" {
		t.Errorf("status %d type %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
}
