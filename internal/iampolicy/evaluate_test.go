package iampolicy

import (
	"fmt"
	"strings"
	"testing"
)

// matchIDs renders matches as "policy#statement" for comparison.
func matchIDs(ms []Match) string {
	var s []string
	for _, m := range ms {
		s = append(s, fmt.Sprintf("%s#%d", m.PolicyID, m.Statement))
	}
	return strings.Join(s, ",")
}

type evalCase struct {
	name    string
	in      Input
	req     Request
	want    Decision
	reason  string // exact Reason, when set
	matched string // matchIDs of Result.Matched, when set ("-" for none)
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(tc.in, tc.req)
			if got.Decision != tc.want {
				t.Fatalf("Decision = %s, want %s (reason %q, matched %s)", got.Decision, tc.want, got.Reason, matchIDs(got.Matched))
			}
			if tc.reason != "" && got.Reason != tc.reason {
				t.Errorf("Reason = %q, want %q", got.Reason, tc.reason)
			}
			switch {
			case tc.matched == "-" && len(got.Matched) != 0:
				t.Errorf("Matched = %s, want none", matchIDs(got.Matched))
			case tc.matched != "" && tc.matched != "-" && matchIDs(got.Matched) != tc.matched:
				t.Errorf("Matched = %s, want %s", matchIDs(got.Matched), tc.matched)
			}
		})
	}
}

// The function role of the pipeline: exactly its three grants.
func TestEvaluateFunctionRole(t *testing.T) {
	in := Input{Identity: []NamedPolicy{named(t, "ProcessOrderFunction-policy", functionPolicyDoc)}}
	req := func(action, resource string) Request {
		return Request{Principal: session, Action: action, Resource: resource}
	}
	stream := groupARN + ":log-stream:2024/01/01/[$LATEST]0123456789abcdef"
	runEvalCases(t, []evalCase{
		{name: "PutItem on the table", in: in, req: req("dynamodb:PutItem", tableARN), want: Allowed,
			reason: "allowed by an identity-based policy", matched: "ProcessOrderFunction-policy#0"},
		{name: "Publish to the topic", in: in, req: req("sns:Publish", topicARN), want: Allowed, matched: "ProcessOrderFunction-policy#1"},
		{name: "PutLogEvents on its log stream (trailing * crosses : and /)", in: in,
			req: req("logs:PutLogEvents", stream), want: Allowed, matched: "ProcessOrderFunction-policy#2"},
		{name: "CreateLogStream on the group ARN as AWS reports it (ends in :*)", in: in,
			req: req("logs:CreateLogStream", groupARN+":*"), want: Allowed},
		{name: "log group whose name only starts the same", in: in,
			req: req("logs:PutLogEvents", strings.Replace(stream, "ProcessOrderFunction:", "ProcessOrderFunctionX:", 1)), want: ImplicitDeny},
		{name: "another function's log group", in: in,
			req: req("logs:PutLogEvents", "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/Other:log-stream:s"), want: ImplicitDeny},
		{name: "DeleteItem on the table", in: in, req: req("dynamodb:DeleteItem", tableARN), want: ImplicitDeny,
			reason: "because no identity-based policy allows the dynamodb:DeleteItem action", matched: "-"},
		{name: "GetItem on the table", in: in, req: req("dynamodb:GetItem", tableARN), want: ImplicitDeny},
		{name: "PutItem on another table", in: in,
			req: req("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:000000000000:table/OtherTable"), want: ImplicitDeny},
		{name: "PutItem on an index of the table is another resource", in: in,
			req: req("dynamodb:PutItem", tableARN+"/index/ByDate"), want: ImplicitDeny},
		{name: "resources are case-sensitive", in: in,
			req: req("dynamodb:PutItem", strings.Replace(tableARN, "OrdersTable", "orderstable", 1)), want: ImplicitDeny},
		{name: "actions are case-insensitive", in: in, req: req("DynamoDB:putITEM", tableARN), want: Allowed},
		{name: "Publish to another topic", in: in, req: req("sns:Publish", topicARN+"2"), want: ImplicitDeny},
		{name: "iam:PassRole", in: in, req: req("iam:PassRole", roleARN), want: ImplicitDeny},
		{name: "any sqs", in: in, req: req("sqs:SendMessage", queueARN), want: ImplicitDeny},
		{name: "no policies at all", in: Input{}, req: req("dynamodb:PutItem", tableARN), want: ImplicitDeny,
			reason: "because no identity-based policy allows the dynamodb:PutItem action"},
	})
}

// The example of "Policy evaluation for requests within a single account" in
// the IAM User Guide: Carlos's identity policy and his bucket's policy.
func TestEvaluateAWSCarlosExample(t *testing.T) {
	identity := named(t, "carlos-policy", `{
	  "Version": "2012-10-17",
	  "Statement": [
	    {"Sid": "AllowS3ListRead", "Effect": "Allow",
	     "Action": ["s3:GetBucketLocation", "s3:GetAccountPublicAccessBlock", "s3:ListAccessPoints", "s3:ListAllMyBuckets"],
	     "Resource": "arn:aws:s3:::*"},
	    {"Sid": "AllowS3Self", "Effect": "Allow", "Action": "s3:*",
	     "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
	    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}
	  ]}`)
	bucket := namedPtr(t, "bucket-policy", `{
	  "Version": "2012-10-17",
	  "Statement": [{"Sid": "AllowCarlos", "Effect": "Allow",
	    "Principal": {"AWS": "arn:aws:iam::111122223333:user/carlossalazar"},
	    "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*"}]}`)
	carlos := "arn:aws:iam::111122223333:user/carlossalazar"
	in := Input{Identity: []NamedPolicy{identity}, Resource: bucket}
	runEvalCases(t, []evalCase{
		{name: "saving to the -logs bucket is explicitly denied", in: in,
			req:  Request{Principal: carlos, Action: "s3:PutObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file.txt"},
			want: ExplicitDeny, reason: "with an explicit deny in an identity-based policy", matched: "carlos-policy#2"},
		{name: "saving to his own bucket is allowed by both", in: in,
			req:  Request{Principal: carlos, Action: "s3:PutObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file.txt"},
			want: Allowed, matched: "carlos-policy#1,bucket-policy#0"},
		{name: "listing buckets", in: in,
			req:  Request{Principal: carlos, Action: "s3:GetBucketLocation", Resource: "arn:aws:s3:::amzn-s3-demo-bucket"},
			want: Allowed, matched: "carlos-policy#0"},
		{name: "another user is not named by the bucket policy", in: Input{Resource: bucket},
			req:  Request{Principal: "arn:aws:iam::111122223333:user/mary", Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file.txt"},
			want: ImplicitDeny, reason: "because no resource-based policy allows the s3:GetObject action"},
		{name: "the bucket policy alone grants Carlos (same account, user ARN)", in: Input{Resource: bucket},
			req:  Request{Principal: carlos, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/file.txt"},
			want: Allowed, reason: "allowed by a resource-based policy", matched: "bucket-policy#0"},
	})
}

// "Permissions boundaries for IAM entities": Shirley's boundary allows only
// S3, CloudWatch and EC2, so an identity grant of iam:CreateUser does nothing.
func TestEvaluatePermissionsBoundary(t *testing.T) {
	boundary := namedPtr(t, "arn:aws:iam::111122223333:policy/ShirleyBoundary", `{
	  "Version": "2012-10-17",
	  "Statement": [{"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}]}`)
	createUser := named(t, "CreateUserPolicy", `{"Version": "2012-10-17",
	  "Statement": {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}}`)
	s3read := named(t, "S3Read", `{"Version": "2012-10-17",
	  "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}`)
	shirley := "arn:aws:iam::111122223333:user/ShirleyRodriguez"
	runEvalCases(t, []evalCase{
		{name: "identity grant outside the boundary", in: Input{Identity: []NamedPolicy{createUser}, Boundary: boundary},
			req:  Request{Principal: shirley, Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/bob"},
			want: ImplicitDeny, reason: "because no permissions boundary allows the iam:CreateUser action", matched: "CreateUserPolicy#0"},
		{name: "same grant without a boundary", in: Input{Identity: []NamedPolicy{createUser}},
			req:  Request{Principal: shirley, Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/bob"},
			want: Allowed},
		{name: "identity grant inside the boundary", in: Input{Identity: []NamedPolicy{s3read, createUser}, Boundary: boundary},
			req:  Request{Principal: shirley, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"},
			want: Allowed, matched: "S3Read#0,arn:aws:iam::111122223333:policy/ShirleyBoundary#0"},
		{name: "the boundary alone grants nothing", in: Input{Boundary: boundary},
			req:  Request{Principal: shirley, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"},
			want: ImplicitDeny, reason: "because no identity-based policy allows the s3:GetObject action"},
		{name: "explicit deny in the boundary", in: Input{Identity: []NamedPolicy{s3read},
			Boundary: namedPtr(t, "B", `{"Version": "2012-10-17", "Statement": [
			  {"Effect": "Allow", "Action": "*", "Resource": "*"},
			  {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}]}`)},
			req:  Request{Principal: shirley, Action: "s3:GetObject", Resource: "arn:aws:s3:::secret/k"},
			want: ExplicitDeny, reason: "with an explicit deny in a permissions boundary", matched: "B#1"},
	})
}

// Same-account resource-based grants: by user or session ARN they stand
// alone; by role ARN the boundary still limits them; by account they only
// delegate to IAM.
func TestEvaluateResourcePolicyPrincipals(t *testing.T) {
	queuePolicy := func(principal string) *NamedPolicy {
		return namedPtr(t, "queue-policy", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		  "Principal": {"AWS": "`+principal+`"}, "Action": "sqs:*", "Resource": "`+queueARN+`"}]}`)
	}
	denyAll := namedPtr(t, "boundary", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}`)
	send := Request{Principal: session, Action: "sqs:SendMessage", Resource: queueARN}
	runEvalCases(t, []evalCase{
		{name: "session ARN, no identity policy", in: Input{Resource: queuePolicy(session)}, req: send, want: Allowed,
			reason: "allowed by a resource-based policy"},
		{name: "session ARN is not limited by the boundary", in: Input{Resource: queuePolicy(session), Boundary: denyAll}, req: send, want: Allowed},
		{name: "role ARN matches its sessions", in: Input{Resource: queuePolicy(roleARN)}, req: send, want: Allowed},
		{name: "role ARN with a path matches its sessions", in: Input{Resource: queuePolicy("arn:aws:iam::000000000000:role/service-role/ProcessOrderFunction-role")}, req: send, want: Allowed},
		{name: "role ARN grant is limited by the boundary", in: Input{Resource: queuePolicy(roleARN), Boundary: denyAll}, req: send,
			want: ImplicitDeny, reason: "because no permissions boundary allows the sqs:SendMessage action"},
		{name: "another role's ARN", in: Input{Resource: queuePolicy("arn:aws:iam::000000000000:role/Other")}, req: send, want: ImplicitDeny},
		{name: "same role name in another account", in: Input{Resource: queuePolicy("arn:aws:iam::111122223333:role/ProcessOrderFunction-role")}, req: send, want: ImplicitDeny},
		{name: "account principal delegates to IAM", in: Input{Resource: queuePolicy(acct)}, req: send, want: ImplicitDeny},
		{name: "account root principal delegates to IAM", in: Input{Resource: queuePolicy("arn:aws:iam::000000000000:root")}, req: send, want: ImplicitDeny},
		{name: "account principal plus identity grant", in: Input{Resource: queuePolicy(acct), Identity: []NamedPolicy{named(t, "id",
			`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "`+queueARN+`"}]}`)}}, req: send, want: Allowed},
		{name: "AWS * allows everyone", in: Input{Resource: queuePolicy("*")}, req: send, want: Allowed},
		{name: "user ARN", in: Input{Resource: queuePolicy(otherUser)},
			req: Request{Principal: otherUser, Action: "sqs:ReceiveMessage", Resource: queueARN}, want: Allowed},
		{name: "deny by account principal applies to its callers", in: Input{
			Identity: []NamedPolicy{named(t, "id", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}`)},
			Resource: namedPtr(t, "qp", `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": "000000000000"}, "Action": "sqs:DeleteQueue", "Resource": "*"}]}`)},
			req:  Request{Principal: session, Action: "sqs:DeleteQueue", Resource: queueARN},
			want: ExplicitDeny, reason: "with an explicit deny in a resource-based policy", matched: "qp#0"},
		{name: "NotPrincipal allow grants everyone else", in: Input{Resource: namedPtr(t, "qp", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "NotPrincipal": {"AWS": "`+otherUser+`"}, "Action": "sqs:SendMessage", "Resource": "*"}]}`)},
			req: send, want: Allowed},
		{name: "NotPrincipal allow excludes the named one", in: Input{Resource: namedPtr(t, "qp", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "NotPrincipal": {"AWS": "`+roleARN+`"}, "Action": "sqs:SendMessage", "Resource": "*"}]}`)},
			req: send, want: ImplicitDeny},
	})
}

// SNS delivering to SQS: only the queue policy applies, to a service caller.
func TestEvaluateServicePrincipal(t *testing.T) {
	in := Input{Resource: namedPtr(t, "HighValueQueue", queuePolicyDoc)}
	deliver := func(source string) Request {
		return Request{PrincipalService: "sns.amazonaws.com", Action: "sqs:SendMessage", Resource: queueARN,
			Context: map[string][]string{"aws:SourceArn": {source}}}
	}
	runEvalCases(t, []evalCase{
		{name: "the topic", in: in, req: deliver(topicARN), want: Allowed, matched: "HighValueQueue#0"},
		{name: "another topic", in: in, req: deliver(topicARN + "-other"), want: ImplicitDeny,
			reason: "because no resource-based policy allows the sqs:SendMessage action"},
		{name: "no source ARN", in: in, req: Request{PrincipalService: "sns.amazonaws.com", Action: "sqs:SendMessage", Resource: queueARN},
			want: ImplicitDeny},
		{name: "another service", in: in, req: Request{PrincipalService: "events.amazonaws.com", Action: "sqs:SendMessage", Resource: queueARN,
			Context: map[string][]string{"aws:SourceArn": {topicARN}}}, want: ImplicitDeny},
		{name: "service name is case-insensitive, context key too", in: in, req: Request{PrincipalService: "SNS.amazonaws.com",
			Action: "sqs:SendMessage", Resource: queueARN, Context: map[string][]string{"AWS:SOURCEARN": {topicARN}}}, want: Allowed},
		{name: "a role session is not the service", in: in, req: Request{Principal: session, Action: "sqs:SendMessage", Resource: queueARN,
			Context: map[string][]string{"aws:SourceArn": {topicARN}}}, want: ImplicitDeny},
	})
}

func TestEvaluateDenyBeatsAllow(t *testing.T) {
	allowAll := named(t, "AdminAccess", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`)
	denyDelete := named(t, "NoDeletes", `{"Version": "2012-10-17", "Statement": [
	  {"Sid": "NoTableDelete", "Effect": "Deny", "Action": ["dynamodb:DeleteTable", "dynamodb:DeleteItem"], "Resource": "*"}]}`)
	req := Request{Principal: otherUser, Action: "dynamodb:DeleteItem", Resource: tableARN}
	runEvalCases(t, []evalCase{
		{name: "deny in another identity policy", in: Input{Identity: []NamedPolicy{allowAll, denyDelete}}, req: req,
			want: ExplicitDeny, reason: "with an explicit deny in an identity-based policy", matched: "NoDeletes#0"},
		{name: "order does not matter", in: Input{Identity: []NamedPolicy{denyDelete, allowAll}}, req: req, want: ExplicitDeny},
		{name: "deny in the resource policy beats identity allow", in: Input{Identity: []NamedPolicy{allowAll},
			Resource: namedPtr(t, "tp", `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:*", "Resource": "*"}]}`)},
			req: req, want: ExplicitDeny, reason: "with an explicit deny in a resource-based policy"},
		{name: "deny in the session policy", in: Input{Identity: []NamedPolicy{allowAll}, SessionPolicy: namedPtr(t, "sp", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "dynamodb:Delete*", "Resource": "*"}]}`)},
			req: req, want: ExplicitDeny, reason: "with an explicit deny in a session policy"},
		{name: "other actions still allowed", in: Input{Identity: []NamedPolicy{allowAll, denyDelete}},
			req: Request{Principal: otherUser, Action: "dynamodb:GetItem", Resource: tableARN}, want: Allowed},
		{name: "deny with a condition that does not hold", in: Input{Identity: []NamedPolicy{allowAll, named(t, "MFA", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}`)}},
			req: Request{Principal: otherUser, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k",
				Context: map[string][]string{"aws:MultiFactorAuthPresent": {"true"}}}, want: Allowed},
		{name: "deny with a condition that holds (IfExists, key absent)", in: Input{Identity: []NamedPolicy{allowAll, named(t, "MFA", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}`)}},
			req: Request{Principal: otherUser, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, want: ExplicitDeny},
	})
}

func TestEvaluateSessionPolicy(t *testing.T) {
	identity := named(t, "id", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:*", "sns:Publish"], "Resource": "*"}]}`)
	sessionPolicy := namedPtr(t, "session", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}`)
	in := Input{Identity: []NamedPolicy{identity}, SessionPolicy: sessionPolicy}
	runEvalCases(t, []evalCase{
		{name: "in both", in: in, req: Request{Principal: session, Action: "dynamodb:GetItem", Resource: tableARN}, want: Allowed},
		{name: "identity only", in: in, req: Request{Principal: session, Action: "sns:Publish", Resource: topicARN},
			want: ImplicitDeny, reason: "because no session policy allows the sns:Publish action"},
	})
}

// "IAM JSON policy elements: NotAction" and "NotResource".
func TestEvaluateNotActionNotResource(t *testing.T) {
	allExceptIAM := named(t, "NotIAM", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}`)
	s3NotDelete := named(t, "S3NotDeleteBucket", `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}]}`)
	denyOutsideHR := named(t, "HR", `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
	  {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]}]}`)
	u := func(action, resource string) Request {
		return Request{Principal: otherUser, Action: action, Resource: resource}
	}
	runEvalCases(t, []evalCase{
		{name: "NotAction iam:* allows dynamodb", in: Input{Identity: []NamedPolicy{allExceptIAM}}, req: u("dynamodb:DeleteTable", tableARN), want: Allowed},
		{name: "NotAction iam:* does not allow iam", in: Input{Identity: []NamedPolicy{allExceptIAM}}, req: u("iam:CreateUser", "*"), want: ImplicitDeny},
		{name: "NotAction is case-insensitive too", in: Input{Identity: []NamedPolicy{allExceptIAM}}, req: u("IAM:PassRole", roleARN), want: ImplicitDeny},
		{name: "all S3 except DeleteBucket", in: Input{Identity: []NamedPolicy{s3NotDelete}}, req: u("s3:ListBucket", "arn:aws:s3:::b"), want: Allowed},
		{name: "DeleteBucket excluded", in: Input{Identity: []NamedPolicy{s3NotDelete}}, req: u("s3:DeleteBucket", "arn:aws:s3:::b"), want: ImplicitDeny},
		{name: "other services do not apply to S3 resources", in: Input{Identity: []NamedPolicy{s3NotDelete}},
			req: u("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*"), want: ImplicitDeny},
		{name: "NotResource deny: inside Payroll", in: Input{Identity: []NamedPolicy{denyOutsideHR}}, req: u("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv"), want: Allowed},
		{name: "NotResource deny: outside Payroll", in: Input{Identity: []NamedPolicy{denyOutsideHR}}, req: u("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"),
			want: ExplicitDeny, matched: "HR#1"},
	})
}

func TestEvaluateActionWildcards(t *testing.T) {
	cases := []struct {
		pattern, action string
		want            bool
	}{
		{"dynamodb:*", "dynamodb:PutItem", true},
		{"dynamodb:*", "dynamodbx:PutItem", false},
		{"DYNAMODB:Put*", "dynamodb:putitem", true},
		{"dynamodb:Get*", "dynamodb:PutItem", false},
		{"dynamodb:?etItem", "dynamodb:GetItem", true},
		{"dynamodb:?etItem", "dynamodb:BatchGetItem", false},
		{"s?s:*", "sns:Publish", true},
		{"s?s:*", "sqs:SendMessage", true},
		{"s?s:*", "sts:AssumeRole", true},
		{"s?s:*", "s3:GetObject", false},
		{"*:Describe*", "ec2:DescribeInstances", true},
		{"*:Describe*", "ec2:RunInstances", false},
		{"dynamo*:*Item", "dynamodb:UpdateItem", true},
		{"*", "anything:AtAll", true},
	}
	for _, tc := range cases {
		p := mustParse(t, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "`+tc.pattern+`", "Resource": "*"}]}`)
		got := p.Evaluate("p", Request{Principal: otherUser, Action: tc.action, Resource: "*"}).Decision == Allowed
		if got != tc.want {
			t.Errorf("Action %q vs %q: allowed = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

// "IAM policy elements: Variables": a home folder per user.
func TestEvaluatePolicyVariables(t *testing.T) {
	home := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
	  "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}]}`
	literal := strings.Replace(home, "2012-10-17", "2008-10-17", 1)
	withDefault := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
	  "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team, 'shared'}/*"}]}`
	escaped := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
	  "Resource": "arn:aws:s3:::b/${*}star"}]}`
	david := "arn:aws:iam::111122223333:user/division/David"
	cases := []struct {
		name, doc string
		req       Request
		want      Decision
	}{
		{"own folder", home, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/David/notes.txt"}, Allowed},
		{"someone else's folder", home, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/Bob/notes.txt"}, ImplicitDeny},
		{"a role session has no aws:username", home, Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/ProcessOrderFunction/x"}, ImplicitDeny},
		{"context overrides the derived value", home, Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/x/y",
			Context: map[string][]string{"aws:username": {"x"}}}, Allowed},
		{"a value is never a wildcard", home, Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/x/y",
			Context: map[string][]string{"aws:username": {"*"}}}, ImplicitDeny},
		{"2008-10-17 takes variables literally", literal, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/David/notes.txt"}, ImplicitDeny},
		{"2008-10-17 literal text matches", literal, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/x"}, Allowed},
		{"default value", withDefault, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/shared/x"}, Allowed},
		{"value over default", withDefault, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/red/x",
			Context: map[string][]string{"aws:PrincipalTag/team": {"red"}}}, Allowed},
		{"${*} is a literal star", escaped, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*star"}, Allowed},
		{"${*} is not a wildcard", escaped, Request{Principal: david, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/xstar"}, ImplicitDeny},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.doc).Evaluate("p", tc.req); got.Decision != tc.want {
				t.Errorf("Decision = %s, want %s", got.Decision, tc.want)
			}
		})
	}
}

func TestPolicyEvaluateSingle(t *testing.T) {
	p := mustParse(t, `{"Version": "2012-10-17", "Statement": [
	  {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
	  {"Sid": "NoSecrets", "Effect": "Deny", "Action": "*", "Resource": "arn:aws:dynamodb:*:*:table/Secrets"}]}`)
	cases := []struct {
		resource string
		want     Decision
		reason   string
		matched  string
	}{
		{tableARN, Allowed, "allowed by an identity-based policy", "custom#0"},
		{"arn:aws:dynamodb:us-east-1:000000000000:table/Secrets", ExplicitDeny, "with an explicit deny in an identity-based policy", "custom#1"},
	}
	for _, tc := range cases {
		got := p.Evaluate("custom", Request{Principal: session, Action: "dynamodb:GetItem", Resource: tc.resource})
		if got.Decision != tc.want || got.Reason != tc.reason || matchIDs(got.Matched) != tc.matched {
			t.Errorf("%s: got %+v, want %s %q %s", tc.resource, got, tc.want, tc.reason, tc.matched)
		}
		if got.Matched[0].Sid == "" || got.Matched[0].Kind != KindIdentity {
			t.Errorf("%s: match %+v lacks Sid or Kind", tc.resource, got.Matched[0])
		}
	}
	got := p.Evaluate("custom", Request{Principal: session, Action: "dynamodb:PutItem", Resource: tableARN})
	if got.Decision != ImplicitDeny || got.Reason != "because no identity-based policy allows the dynamodb:PutItem action" {
		t.Errorf("PutItem: got %+v", got)
	}

	qp := mustParse(t, queuePolicyDoc)
	got = qp.Evaluate("q", Request{PrincipalService: "sns.amazonaws.com", Action: "sqs:SendMessage", Resource: queueARN})
	if got.Decision != ImplicitDeny || got.Reason != "because no resource-based policy allows the sqs:SendMessage action" {
		t.Errorf("queue policy without SourceArn: got %+v", got)
	}
}

func TestTrustPolicyEvaluation(t *testing.T) {
	p := mustParse(t, trustPolicyDoc)
	if d := p.Evaluate("trust", Request{PrincipalService: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: roleARN}).Decision; d != Allowed {
		t.Errorf("lambda assuming the role: %s", d)
	}
	if d := p.Evaluate("trust", Request{PrincipalService: "ec2.amazonaws.com", Action: "sts:AssumeRole", Resource: roleARN}).Decision; d != ImplicitDeny {
		t.Errorf("ec2 assuming the role: %s", d)
	}
}

func TestDeniedMessage(t *testing.T) {
	in := Input{Identity: []NamedPolicy{named(t, "p", functionPolicyDoc)}}
	req := Request{Principal: session, Action: "dynamodb:DeleteItem", Resource: tableARN}
	res := Evaluate(in, req)
	want := "User: " + session + " is not authorized to perform: dynamodb:DeleteItem on resource: " + tableARN +
		" because no identity-based policy allows the dynamodb:DeleteItem action"
	if got := res.DeniedMessage(req); got != want {
		t.Errorf("DeniedMessage =\n %q\nwant\n %q", got, want)
	}
	req.Action = "dynamodb:PutItem"
	if got := Evaluate(in, req).DeniedMessage(req); got != "" {
		t.Errorf("allowed result has a denied message %q", got)
	}
}

// A Policy built by hand (not by Parse) still evaluates correctly.
func TestEvaluateHandBuiltPolicy(t *testing.T) {
	p := &Policy{Version: Version2012, Statements: []Statement{
		{Effect: EffectAllow, Action: []string{"sns:Publish"}, Resource: []string{topicARN}},
		{Effect: EffectDeny, Action: []string{"sns:Publish"}, Resource: []string{topicARN},
			Condition: Conditions{"Bool": {"aws:SecureTransport": {"false"}}}},
	}}
	req := Request{Principal: session, Action: "sns:Publish", Resource: topicARN, Context: map[string][]string{"aws:SecureTransport": {"true"}}}
	if d := p.Evaluate("hand", req).Decision; d != Allowed {
		t.Errorf("secure publish: %s", d)
	}
	req.Context["aws:SecureTransport"] = []string{"false"}
	if d := Evaluate(Input{Identity: []NamedPolicy{{ID: "hand", Policy: p}}}, req).Decision; d != ExplicitDeny {
		t.Errorf("insecure publish: %s", d)
	}
}

// Many matching statements overflow the evaluator's stack buffer.
func TestEvaluateManyMatches(t *testing.T) {
	var stmts []string
	for i := 0; i < 20; i++ {
		stmts = append(stmts, fmt.Sprintf(`{"Sid": "S%d", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}`, i))
	}
	p := mustParse(t, `{"Version": "2012-10-17", "Statement": [`+strings.Join(stmts, ",")+`]}`)
	got := Evaluate(Input{Identity: []NamedPolicy{{ID: "many", Policy: p}}}, Request{Principal: session, Action: "sns:Publish", Resource: topicARN})
	if got.Decision != Allowed || len(got.Matched) != 20 || got.Matched[19].Sid != "S19" {
		t.Errorf("got %s with %d matches", got.Decision, len(got.Matched))
	}
}

// Parsed policies are shared by every request the emulator serves.
func TestEvaluateConcurrently(t *testing.T) {
	in := Input{
		Identity: []NamedPolicy{named(t, "p", functionPolicyDoc), named(t, "v", `{"Version": "2012-10-17", "Statement": [
		  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}]}`)},
		Resource: namedPtr(t, "q", queuePolicyDoc),
	}
	done := make(chan string)
	for g := 0; g < 8; g++ {
		go func() {
			msg := ""
			for i := 0; i < 200; i++ {
				team := fmt.Sprintf("t%d", i%3)
				req := Request{Principal: session, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/" + team + "/k",
					Context: map[string][]string{"aws:PrincipalTag/team": {team}}}
				if d := Evaluate(in, req).Decision; d != Allowed {
					msg = "variable grant: " + string(d)
				}
				if d := Evaluate(in, Request{Principal: session, Action: "dynamodb:Scan", Resource: tableARN}).Decision; d != ImplicitDeny {
					msg = "Scan: " + string(d)
				}
			}
			done <- msg
		}()
	}
	for g := 0; g < 8; g++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
}
