package iam

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

func TestSimulatePrincipalPolicy(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	createRole(t, e, "ProcessOrderFunction-role")
	must(e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"),
		PolicyName: aws.String("ProcessOrderFunction-policy"), PolicyDocument: aws.String(functionPolicy)}))(t)
	roleARN := "arn:aws:iam::000000000000:role/ProcessOrderFunction-role"
	otherTable := "arn:aws:dynamodb:us-east-1:000000000000:table/Other"

	out := must(e.client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(roleARN),
		ActionNames:     []string{"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DeleteTable"},
		ResourceArns:    []string{tableARN, otherTable},
	}))(t)
	if len(out.EvaluationResults) != 6 || out.IsTruncated {
		t.Fatalf("got %d results (truncated %v), want 3 actions x 2 resources", len(out.EvaluationResults), out.IsTruncated)
	}
	want := map[[2]string]types.PolicyEvaluationDecisionType{
		{"dynamodb:PutItem", tableARN}:       types.PolicyEvaluationDecisionTypeAllowed,
		{"dynamodb:PutItem", otherTable}:     types.PolicyEvaluationDecisionTypeImplicitDeny,
		{"dynamodb:DeleteItem", tableARN}:    types.PolicyEvaluationDecisionTypeImplicitDeny,
		{"dynamodb:DeleteItem", otherTable}:  types.PolicyEvaluationDecisionTypeImplicitDeny,
		{"dynamodb:DeleteTable", tableARN}:   types.PolicyEvaluationDecisionTypeExplicitDeny,
		{"dynamodb:DeleteTable", otherTable}: types.PolicyEvaluationDecisionTypeExplicitDeny,
	}
	for _, r := range out.EvaluationResults {
		key := [2]string{aws.ToString(r.EvalActionName), aws.ToString(r.EvalResourceName)}
		if r.EvalDecision != want[key] {
			t.Errorf("%v: %s, want %s", key, r.EvalDecision, want[key])
		}
		if len(r.ResourceSpecificResults) != 1 || r.ResourceSpecificResults[0].EvalResourceDecision != r.EvalDecision ||
			aws.ToString(r.ResourceSpecificResults[0].EvalResourceName) != key[1] {
			t.Errorf("%v: ResourceSpecificResults = %+v", key, r.ResourceSpecificResults)
		}
		switch r.EvalDecision {
		case types.PolicyEvaluationDecisionTypeAllowed, types.PolicyEvaluationDecisionTypeExplicitDeny:
			if len(r.MatchedStatements) != 1 {
				t.Errorf("%v: MatchedStatements = %+v", key, r.MatchedStatements)
				continue
			}
			m := r.MatchedStatements[0]
			if aws.ToString(m.SourcePolicyId) != "ProcessOrderFunction-policy" || m.SourcePolicyType != types.PolicySourceTypeRole {
				t.Errorf("%v: matched %+v", key, m)
			}
			// Statement 0 opens on line 4, column 5; statement 1 on line 10.
			wantLine := int32(4)
			if r.EvalDecision == types.PolicyEvaluationDecisionTypeExplicitDeny {
				wantLine = 10
			}
			if m.StartPosition == nil || m.StartPosition.Line != wantLine || m.StartPosition.Column != 5 || m.EndPosition == nil || m.EndPosition.Line <= wantLine {
				t.Errorf("%v: positions %+v - %+v", key, m.StartPosition, m.EndPosition)
			}
		default:
			if len(r.MatchedStatements) != 0 {
				t.Errorf("%v: implicitDeny with matches %+v", key, r.MatchedStatements)
			}
		}
	}

	// A boundary given in the request limits the role's own policies.
	out = must(e.client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn:                    aws.String(roleARN),
		ActionNames:                        []string{"dynamodb:PutItem"},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:*","Resource":"*"}]}`},
	}))(t)
	r := out.EvaluationResults[0]
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || r.PermissionsBoundaryDecisionDetail == nil ||
		r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary || aws.ToString(r.EvalResourceName) != "*" || r.ResourceSpecificResults != nil {
		t.Errorf("with a boundary: %+v", r)
	}

	// Managed policies show up with their type.
	must(e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"), PolicyArn: aws.String(basicExecution)}))(t)
	out = must(e.client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(roleARN), ActionNames: []string{"logs:CreateLogGroup"},
	}))(t)
	if r := out.EvaluationResults[0]; r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(r.MatchedStatements) != 1 ||
		aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "AWSLambdaBasicExecutionRole" || r.MatchedStatements[0].SourcePolicyType != types.PolicySourceTypeAwsManaged {
		t.Errorf("aws-managed match: %+v", r)
	}

	_, err := e.client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::000000000000:role/Nope"), ActionNames: []string{"s3:GetObject"},
	})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("unknown source: %v", err)
	}
}

func TestSimulateCustomPolicyContext(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	queuePolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
		"Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic"}}}]}`
	in := &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{queuePolicy}, ActionNames: []string{"sqs:SendMessage"}}
	r := must(e.client.SimulateCustomPolicy(ctx, in))(t).EvaluationResults[0]
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny || len(r.MissingContextValues) != 1 || r.MissingContextValues[0] != "aws:SourceArn" {
		t.Errorf("without context: %s missing %v", r.EvalDecision, r.MissingContextValues)
	}
	in.ContextEntries = []types.ContextEntry{{
		ContextKeyName: aws.String("aws:SourceArn"), ContextKeyType: types.ContextKeyTypeEnumString,
		ContextKeyValues: []string{"arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic"},
	}}
	r = must(e.client.SimulateCustomPolicy(ctx, in))(t).EvaluationResults[0]
	if r.EvalDecision != types.PolicyEvaluationDecisionTypeAllowed || len(r.MissingContextValues) != 0 ||
		len(r.MatchedStatements) != 1 || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != "PolicyInputList.1" {
		t.Errorf("with context: %+v", r)
	}
	in.ContextEntries[0].ContextKeyValues = []string{"arn:aws:sns:us-east-1:000000000000:Other"}
	if r := must(e.client.SimulateCustomPolicy(ctx, in))(t).EvaluationResults[0]; r.EvalDecision != types.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("with another topic: %s", r.EvalDecision)
	}
	_, err := e.client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{"{"}, ActionNames: []string{"s3:*"}})
	var mpd *types.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) {
		t.Errorf("malformed input policy: %v", err)
	}
	// Pagination over results.
	page := must(e.client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{functionPolicy}, ActionNames: []string{"a:A", "b:B", "c:C"}, MaxItems: aws.Int32(2),
	}))(t)
	if len(page.EvaluationResults) != 2 || !page.IsTruncated || page.Marker == nil {
		t.Fatalf("first page: %d results, truncated %v", len(page.EvaluationResults), page.IsTruncated)
	}
	rest := must(e.client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{
		PolicyInputList: []string{functionPolicy}, ActionNames: []string{"a:A", "b:B", "c:C"}, MaxItems: aws.Int32(2), Marker: page.Marker,
	}))(t)
	if len(rest.EvaluationResults) != 1 || aws.ToString(rest.EvaluationResults[0].EvalActionName) != "c:C" {
		t.Errorf("second page: %+v", rest.EvaluationResults)
	}
}
