package iam

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// BenchmarkPrincipalPolicies is the authorizer's per-request lookup for a
// role session.
func BenchmarkPrincipalPolicies(b *testing.B) {
	e := newEnv(b, dispatch.Options{})
	createRole(b, e, "R")
	must(e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn"), PolicyDocument: aws.String(functionPolicy)}))(b)
	must(e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(basicExecution)}))(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if id, _, ok := e.svc.PrincipalPolicies(ctx, "arn:aws:sts::000000000000:assumed-role/R/fn"); !ok || len(id) != 2 {
				b.Fatal("lookup failed")
			}
		}
	})
}
