package lambda

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// issuedKeys makes ASIAISSUED a role session the emulator issued, so its
// calls are checked by the Authorizer (other keys act as administrator).
type issuedKeys struct{}

func (issuedKeys) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != "ASIAISSUED" {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return service.Principal{ARN: "arn:aws:sts::000000000000:assumed-role/caller/s", RoleName: "caller", SessionName: "s", AccessKeyID: akid},
		"secret", "tok", time.Now().Add(time.Hour), true
}

type checked3 struct{ action, resource string }

// recordingAuthz denies the actions deny says to and records every check.
type recordingAuthz struct {
	mu      sync.Mutex
	deny    func(action string) bool
	checks  []checked3
	context map[string][]string
}

func (a *recordingAuthz) Authorize(_ context.Context, call *service.Call, action, resource string, cond map[string][]string) error {
	a.mu.Lock()
	a.checks = append(a.checks, checked3{action, resource})
	if action == "iam:PassRole" {
		a.context = cond
	}
	a.mu.Unlock()
	if a.deny(action) {
		return service.AccessDenied(call.Service, call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
	}
	return nil
}

func newAuthzEnv(t *testing.T, authz *recordingAuthz) (admin, caller *awslambda.Client, e *testEnv) {
	st, err := store.Open(t.TempDir(), store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	e = newTestEnvOn(t, st, dispatch.Options{Identity: issuedKeys{}, Authz: authz})
	caller = awslambda.NewFromConfig(emutest.ConfigFor(e.url, "ASIAISSUED", "secret", "tok"))
	return e.client, caller, e
}

func TestEveryOperationDenied(t *testing.T) {
	authz := &recordingAuthz{deny: func(string) bool { return true }}
	admin, caller, e := newAuthzEnv(t, authz)
	ctx := context.Background()
	created := e.create(t, "fn", noBootZip, func(in *awslambda.CreateFunctionInput) { in.Tags = map[string]string{"k": "v"} })
	arn := aws.ToString(created.FunctionArn)
	fn := aws.String("fn")

	calls := map[string]func() error{
		"CreateFunction": func() error {
			_, err := caller.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("other"), Runtime: types.RuntimeProvidedal2023,
				Role: aws.String(testRole), Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: noBootZip}})
			return err
		},
		"GetFunction": func() error {
			_, err := caller.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: fn})
			return err
		},
		"GetFunctionConfiguration": func() error {
			_, err := caller.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: fn})
			return err
		},
		"ListFunctions": func() error { _, err := caller.ListFunctions(ctx, &awslambda.ListFunctionsInput{}); return err },
		"DeleteFunction": func() error {
			_, err := caller.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: fn})
			return err
		},
		"UpdateFunctionCode": func() error {
			_, err := caller.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: fn, ZipFile: zipOf(map[string][]byte{"x": []byte("2")}, 0o644)})
			return err
		},
		"UpdateFunctionConfiguration": func() error {
			_, err := caller.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: fn, Timeout: aws.Int32(99)})
			return err
		},
		"TagResource": func() error {
			_, err := caller.TagResource(ctx, &awslambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{"x": "y"}})
			return err
		},
		"UntagResource": func() error {
			_, err := caller.UntagResource(ctx, &awslambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: []string{"k"}})
			return err
		},
		"ListTags": func() error {
			_, err := caller.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String(arn)})
			return err
		},
		"Invoke": func() error {
			_, err := caller.Invoke(ctx, &awslambda.InvokeInput{FunctionName: fn, Payload: []byte(`{}`)})
			return err
		},
		"GetAccountSettings": func() error {
			_, err := caller.GetAccountSettings(ctx, &awslambda.GetAccountSettingsInput{})
			return err
		},
	}
	wantAction := map[string]string{"Invoke": "lambda:InvokeFunction"}
	for _, op := range e.svc.Operations() {
		call, ok := calls[op]
		if !ok {
			t.Errorf("operation %s has no denial check", op)
			continue
		}
		authz.mu.Lock()
		authz.checks = nil
		authz.mu.Unlock()
		err := call()
		var ae smithy.APIError
		var re *smithyhttp.ResponseError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
			t.Errorf("%s: %v, want 403 AccessDeniedException", op, err)
			continue
		}
		action := wantAction[op]
		if action == "" {
			action = "lambda:" + op
		}
		authz.mu.Lock()
		first := authz.checks[0]
		authz.mu.Unlock()
		resource := arn
		switch op {
		case "ListFunctions", "GetAccountSettings":
			resource = "*"
		case "CreateFunction":
			resource = "arn:aws:lambda:us-east-1:000000000000:function:other"
		}
		if first.action != action || first.resource != resource {
			t.Errorf("%s checked %s on %s, want %s on %s", op, first.action, first.resource, action, resource)
		}
	}

	// Nothing changed.
	got, err := admin.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: fn})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Configuration.RevisionId) != aws.ToString(created.RevisionId) || aws.ToInt32(got.Configuration.Timeout) != 10 ||
		got.Tags["k"] != "v" || len(got.Tags) != 1 || aws.ToString(got.Configuration.CodeSha256) != sha(noBootZip) {
		t.Errorf("a denied call changed the function: %+v %v", got.Configuration, got.Tags)
	}
	list, _ := admin.ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	if len(list.Functions) != 1 {
		t.Errorf("%d functions after denied calls, want 1", len(list.Functions))
	}
}

func TestPassRoleRequired(t *testing.T) {
	authz := &recordingAuthz{deny: func(a string) bool { return a == "iam:PassRole" }}
	admin, caller, e := newAuthzEnv(t, authz)
	ctx := context.Background()
	_, err := caller.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("fn"), Runtime: types.RuntimeProvidedal2023,
		Role: aws.String(testRole), Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: noBootZip}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("CreateFunction without iam:PassRole: %v", err)
	}
	authz.mu.Lock()
	cond := authz.context
	authz.mu.Unlock()
	if v := cond["iam:PassedToService"]; len(v) != 1 || v[0] != "lambda.amazonaws.com" {
		t.Errorf("PassRole conditions = %v", cond)
	}
	if _, err := admin.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}); err == nil {
		t.Error("function created without iam:PassRole")
	}
	e.create(t, "fn", noBootZip)
	// Changing other settings needs no PassRole; changing the role does.
	if _, err := caller.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Timeout: aws.Int32(20)}); err != nil {
		t.Errorf("update without role: %v", err)
	}
	_, err = caller.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Role: aws.String(testRole)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("update with role without iam:PassRole: %v", err)
	}
}
