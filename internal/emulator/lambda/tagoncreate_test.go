package lambda

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

func apiCodeOf(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// "lambda:TagResource – Grant this permission to anyone who needs to call
// TagResource or perform a tag on create"
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html#fxn-tags-required-permissions):
// CreateFunction with Tags needs lambda:TagResource as well.
func TestCreateFunctionWithTagsNeedsTagResource(t *testing.T) {
	authz := &recordingAuthz{deny: func(action string) bool { return action == "lambda:TagResource" }}
	_, caller, _ := newAuthzEnv(t, authz)
	ctx := context.Background()
	in := func(name string, tags map[string]string) *awslambda.CreateFunctionInput {
		return &awslambda.CreateFunctionInput{FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023,
			Role: aws.String(testRole), Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: noBootZip}, Tags: tags}
	}
	_, err := caller.CreateFunction(ctx, in("tagged", map[string]string{"team": "orders"}))
	if apiCodeOf(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "lambda:TagResource") {
		t.Fatalf("CreateFunction with tags and no lambda:TagResource: %v, want AccessDeniedException naming lambda:TagResource", err)
	}
	if _, err := caller.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("tagged")}); apiCodeOf(err) != "ResourceNotFoundException" {
		t.Errorf("the denied CreateFunction stored a function: %v", err)
	}
	if _, err := caller.CreateFunction(ctx, in("untagged", nil)); err != nil {
		t.Errorf("CreateFunction without tags needs no lambda:TagResource: %v", err)
	}
}
