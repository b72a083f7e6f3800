package lambda

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// The model's FunctionName patterns, as AWS quotes them in messages:
// FunctionName for CreateFunction and the updates, NamespacedFunctionName
// (dots in names, $LATEST.PUBLISHED) for GetFunction, DeleteFunction,
// GetFunctionConfiguration and Invoke; both with the -iso partitions.
// https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html#lambda-CreateFunction-request-FunctionName
// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_RequestSyntax
const (
	modelFunctionName   = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`
	modelNamespacedName = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`
)

func wantAPIError(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Errorf("%s:\n got: %v\nwant: %s: %s", what, err, code, msg)
	}
}

// A FunctionName outside the model is a ValidationException counting its
// violations ("1 validation error detected: ...") and quoting the pattern
// of the operation's own shape.
func TestFunctionNameValidationMessages(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	in := func(name string) *awslambda.CreateFunctionInput {
		return &awslambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023,
			Role: aws.String(testRole), Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: noBootZip}}
	}
	_, err := e.client.CreateFunction(ctx, in("bad name!"))
	wantAPIError(t, "CreateFunction", err, "ValidationException",
		"1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "+modelFunctionName)
	_, err = e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("bad name!")})
	wantAPIError(t, "GetFunction", err, "ValidationException",
		"1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "+modelNamespacedName)
	long := "arn:aws:lambda:us-east-1:000000000000:function:" + strings.Repeat("f", 100)
	_, err = e.client.CreateFunction(ctx, in(long))
	wantAPIError(t, "CreateFunction 147 characters", err, "ValidationException",
		"1 validation error detected: Value '"+long+"' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140")
	tooLong := strings.Repeat("f", 141) + "!"
	_, err = e.client.CreateFunction(ctx, in(tooLong))
	wantAPIError(t, "CreateFunction long and malformed", err, "ValidationException",
		"2 validation errors detected: Value '"+tooLong+"' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 140; "+
			"Value '"+tooLong+"' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "+modelFunctionName)
	// A dot is in NamespacedFunctionName's pattern: not a validation error.
	_, err = e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("my.fn")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetFunction my.fn: %v, want ResourceNotFoundException", err)
	}
	_, err = e.client.ListTags(ctx, &awslambda.ListTagsInput{Resource: aws.String("fn")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || !strings.HasPrefix(ae.ErrorMessage(), "1 validation error detected: Value 'fn' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:") {
		t.Errorf("ListTags fn: %v", err)
	}
}

// A qualifier in the function name that disagrees with the Qualifier
// parameter is InvalidParameterValueException, before any lookup; a
// Qualifier outside the model's pattern is a ValidationException.
// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_Errors
func TestQualifierMismatch(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	created := e.create(t, "fn", noBootZip)
	arn := aws.ToString(created.FunctionArn)
	const mismatch = "The derived qualifier from the function name does not match the specified qualifier."
	_, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(arn + ":1"), Qualifier: aws.String("2")})
	wantAPIError(t, "GetFunction", err, "InvalidParameterValueException", mismatch)
	var ip *types.InvalidParameterValueException
	if !errors.As(err, &ip) {
		t.Errorf("not the typed InvalidParameterValueException: %T", err)
	}
	_, err = e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn:$LATEST"), Qualifier: aws.String("prod")})
	wantAPIError(t, "GetFunctionConfiguration", err, "InvalidParameterValueException", mismatch)
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn:prod"), Qualifier: aws.String("$LATEST"), Payload: []byte(`{}`)})
	wantAPIError(t, "Invoke", err, "InvalidParameterValueException", mismatch)
	_, err = e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("fn:1"), Qualifier: aws.String("3")})
	wantAPIError(t, "DeleteFunction", err, "InvalidParameterValueException", mismatch)
	// Agreeing qualifiers are fine.
	if _, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(arn + ":$LATEST"), Qualifier: aws.String("$LATEST")}); err != nil {
		t.Errorf("agreeing qualifiers: %v", err)
	}
	_, err = e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn"), Qualifier: aws.String("bad!")})
	wantAPIError(t, "bad qualifier", err, "ValidationException",
		`1 validation error detected: Value 'bad!' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`)
	// The function is still there.
	if _, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}); err != nil {
		t.Errorf("after refused calls: %v", err)
	}
}

// GetAccountSettings answers the account's limits and its usage in the
// region, shaped as the API reference's example.
// https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
func TestGetAccountSettings(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	a := e.create(t, "a", noBootZip)
	b := e.create(t, "b", noBootZip)
	out, err := e.client.GetAccountSettings(ctx, &awslambda.GetAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	l := out.AccountLimit
	if l == nil || l.CodeSizeUnzipped != 262144000 || l.CodeSizeZipped != 52428800 || l.TotalCodeSize != 80530636800 ||
		l.ConcurrentExecutions != 1000 || aws.ToInt32(l.UnreservedConcurrentExecutions) != 1000 {
		t.Errorf("AccountLimit = %+v", l)
	}
	u := out.AccountUsage
	if u == nil || u.FunctionCount != 2 || u.TotalCodeSize != a.CodeSize+b.CodeSize {
		t.Errorf("AccountUsage = %+v, want 2 functions of %d bytes", u, a.CodeSize+b.CodeSize)
	}
}

// CreateFunction answers the function Pending ("The function is being
// created.", Creating) and an update answers LastUpdateStatus InProgress;
// GetFunction, and so the SDK's waiters, then see Active and Successful.
// https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
func TestFunctionStatesInAnswers(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	created := e.create(t, "fn", noBootZip)
	if created.State != types.StatePending || aws.ToString(created.StateReason) != "The function is being created." ||
		created.StateReasonCode != types.StateReasonCodeCreating || created.LastUpdateStatus != "" {
		t.Errorf("CreateFunction State/Reason/Code/LastUpdateStatus = %s/%q/%s/%s", created.State, aws.ToString(created.StateReason), created.StateReasonCode, created.LastUpdateStatus)
	}
	if err := awslambda.NewFunctionActiveV2Waiter(e.client).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}, time.Minute); err != nil {
		t.Fatalf("FunctionActiveV2: %v", err)
	}
	up, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Timeout: aws.Int32(9)})
	if err != nil {
		t.Fatal(err)
	}
	if up.State != types.StateActive || up.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Errorf("UpdateFunctionConfiguration State/LastUpdateStatus = %s/%s", up.State, up.LastUpdateStatus)
	}
	got, err := e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn")})
	if err != nil || got.State != types.StateActive || got.LastUpdateStatus != types.LastUpdateStatusSuccessful || got.StateReason != nil || got.LastUpdateStatusReason != nil {
		t.Errorf("GetFunctionConfiguration after the update: %+v %v", got, err)
	}
}

// ListFunctions' MaxItems out of range names the bound it breaks.
func TestListFunctionsMaxItemsMessage(t *testing.T) {
	e := newTestEnv(t)
	_, err := e.client.ListFunctions(context.Background(), &awslambda.ListFunctionsInput{MaxItems: aws.Int32(10001)})
	wantAPIError(t, "MaxItems 10001", err, "ValidationException",
		"1 validation error detected: Value '10001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000")
}
