package iampolicy

import "testing"

// Differential tests: each case is an example from AWS's IAM User Guide with
// the decision the guide states, run through Evaluate. The link names the page the expected
// decision comes from.

const (
	acctA     = "111111111111" // owns the resource (the trusting account)
	acctB     = "222222222222" // the caller's account (the trusted account)
	queueInA  = "arn:aws:sqs:us-east-1:111111111111:Shared"
	sessionB  = "arn:aws:sts::222222222222:assumed-role/Reader/s1"
	userB     = "arn:aws:iam::222222222222:user/bob"
	allowRead = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:Shared"}]}`
)

// "Cross-account policy evaluation logic": a request from account B to a
// resource in account A is allowed only when B's identity-based policy and
// A's resource-based policy both allow it; either alone is not enough.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
func TestAWSDocsCrossAccount(t *testing.T) {
	resourceTo := func(principal string) *NamedPolicy {
		return namedPtr(t, "queue-policy", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "`+principal+`"},
			"Action": "sqs:ReceiveMessage", "Resource": "arn:aws:sqs:us-east-1:111111111111:Shared"}]}`)
	}
	identity := []NamedPolicy{named(t, "reader", allowRead)}
	req := Request{Principal: userB, Action: "sqs:ReceiveMessage", Resource: queueInA}
	runEvalCases(t, []evalCase{
		{name: "identity policy alone does not reach another account", in: Input{Identity: identity}, req: req,
			want: ImplicitDeny, reason: "because no resource-based policy allows the sqs:ReceiveMessage action"},
		{name: "resource policy naming the user alone is not enough", in: Input{Resource: resourceTo(userB)}, req: req,
			want: ImplicitDeny, reason: "because no identity-based policy allows the sqs:ReceiveMessage action"},
		{name: "resource policy granting the account alone is not enough", in: Input{Resource: resourceTo(acctB)}, req: req, want: ImplicitDeny},
		{name: "both allow: the account grant", in: Input{Identity: identity, Resource: resourceTo("arn:aws:iam::" + acctB + ":root")}, req: req, want: Allowed},
		{name: "both allow: the user grant", in: Input{Identity: identity, Resource: resourceTo(userB)}, req: req, want: Allowed},
		{name: "resource policy naming someone else", in: Input{Identity: identity, Resource: resourceTo("arn:aws:iam::" + acctB + ":user/carol")}, req: req, want: ImplicitDeny},
		{name: "a session needs its role's identity policy too", in: Input{Resource: resourceTo(sessionB)},
			req: Request{Principal: sessionB, Action: "sqs:ReceiveMessage", Resource: queueInA}, want: ImplicitDeny},
		{name: "the session's boundary still limits it", in: Input{Identity: identity, Resource: resourceTo(sessionB),
			Boundary: namedPtr(t, "boundary", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}`)},
			req: Request{Principal: sessionB, Action: "sqs:ReceiveMessage", Resource: queueInA}, want: ImplicitDeny,
			reason: "because no permissions boundary allows the sqs:ReceiveMessage action"},
		{name: "an explicit deny in the resource policy wins", in: Input{Identity: identity, Resource: namedPtr(t, "queue-policy", `{"Version": "2012-10-17", "Statement": [
			{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "sqs:*", "Resource": "*"},
			{"Effect": "Deny", "Principal": "*", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}`)}, req: req, want: ExplicitDeny},
		{name: "ResourceAccount overrides the ARN", in: Input{Identity: identity},
			req: Request{Principal: userB, Action: "sqs:ReceiveMessage", Resource: queueInA, ResourceAccount: acctB}, want: Allowed},
		{name: "same account: the identity policy is enough", in: Input{Identity: identity},
			req: Request{Principal: "arn:aws:iam::" + acctA + ":user/alice", Action: "sqs:ReceiveMessage", Resource: queueInA}, want: Allowed},
		{name: "an ARN without an account is same-account", in: Input{Identity: []NamedPolicy{named(t, "s3", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}`)}},
			req: Request{Principal: userB, Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/key"}, want: Allowed},
	})
}

// "Policy variables with no value": a variable that cannot be resolved
// (aws:username is only present for IAM users) makes the statement not
// match; it must never turn NotResource or a negated operator into "every
// request". In 2008-10-17 and unversioned policies ${...} is literal text.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
func TestAWSDocsUnresolvedVariables(t *testing.T) {
	alice := "arn:aws:iam::000000000000:user/alice"
	get := func(principal, resource string, ctx map[string][]string) Request {
		return Request{Principal: principal, Action: "s3:GetObject", Resource: resource, Context: ctx}
	}
	notResource := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
		"NotResource": "arn:aws:s3:::bucket/home/${aws:username}/*"}]}`
	negated := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
		"Condition": {"StringNotEquals": {"s3:prefix": "home/${aws:username}/"}}}]}`
	negatedLike := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
		"Condition": {"StringNotLike": {"s3:prefix": "home/${aws:username}/*"}}}]}`
	negatedArn := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
		"Condition": {"ArnNotEquals": {"aws:SourceArn": "arn:aws:iam::000000000000:user/${aws:username}"}}}]}`
	withDefault := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
		"NotResource": "arn:aws:s3:::bucket/home/${aws:username, 'nobody'}/*"}]}`
	in := func(doc string) Input { return Input{Identity: []NamedPolicy{named(t, "p", doc)}} }
	prefix := map[string][]string{"s3:prefix": {"home/other/"}, "aws:SourceArn": {"arn:aws:sns:us-east-1:000000000000:T"}}
	runEvalCases(t, []evalCase{
		{name: "NotResource, resolved: other paths allowed", in: in(notResource), req: get(alice, "arn:aws:s3:::bucket/public/x", nil), want: Allowed},
		{name: "NotResource, resolved: own path excluded", in: in(notResource), req: get(alice, "arn:aws:s3:::bucket/home/alice/x", nil), want: ImplicitDeny},
		{name: "NotResource, unresolved (role session): statement does not match", in: in(notResource), req: get(session, "arn:aws:s3:::bucket/public/x", nil), want: ImplicitDeny},
		{name: "NotResource, unresolved but with a default: resolves", in: in(withDefault), req: get(session, "arn:aws:s3:::bucket/public/x", nil), want: Allowed},
		{name: "StringNotEquals, resolved", in: in(negated), req: get(alice, "*", prefix), want: Allowed},
		{name: "StringNotEquals, unresolved: statement does not match", in: in(negated), req: get(session, "*", prefix), want: ImplicitDeny},
		{name: "StringNotLike, unresolved: statement does not match", in: in(negatedLike), req: get(session, "*", prefix), want: ImplicitDeny},
		{name: "ArnNotEquals, unresolved: statement does not match", in: in(negatedArn), req: get(session, "*", prefix), want: ImplicitDeny},
		{name: "a Deny with an unresolved negated condition does not apply either",
			in: Input{Identity: []NamedPolicy{named(t, "all", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`),
				named(t, "deny", `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",
					"Condition": {"StringNotEquals": {"s3:prefix": "home/${aws:username}/"}}}]}`)}},
			req: get(session, "*", prefix), want: Allowed},
		// Version 2008-10-17 and no Version: the text is literal.
		{name: "2008-10-17: ${aws:username} is literal in NotResource", in: in(`{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
			"NotResource": "arn:aws:s3:::bucket/home/${aws:username}/*"}]}`), req: get(session, "arn:aws:s3:::bucket/home/${aws:username}/x", nil), want: ImplicitDeny},
		{name: "2008-10-17: literal text allows other paths", in: in(`{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
			"NotResource": "arn:aws:s3:::bucket/home/${aws:username}/*"}]}`), req: get(session, "arn:aws:s3:::bucket/home/alice/x", nil), want: Allowed},
		{name: "no Version: ${aws:username} in a condition is literal", in: in(`{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
			"Condition": {"StringEquals": {"s3:prefix": "home/${aws:username}/"}}}]}`), req: get(alice, "*", map[string][]string{"s3:prefix": {"home/${aws:username}/"}}), want: Allowed},
	})
}

// ARN condition operators: "Each of the six colon-delimited components of
// the ARN is checked separately and each can include multi-character match
// wildcards (*) or single-character match wildcards (?)"; ArnEquals and
// ArnLike behave the same.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
func TestAWSDocsArnComponents(t *testing.T) {
	src := func(arn string) map[string][]string { return map[string][]string{"aws:SourceArn": {arn}} }
	topic := "arn:aws:sns:us-east-1:123456789012:Orders"
	runCondCases(t, []condCase{
		{"ArnLike five components does not span the account and resource", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*"}}`, src(topic), "", false},
		{"ArnEquals five components does not span either", `{"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:*"}}`, src(topic), "", false},
		{"ArnNotLike with a short pattern is its negation", `{"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*"}}`, src(topic), "", true},
		{"ArnLike six components", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:*:*"}}`, src(topic), "", true},
		{"ArnLike a '*' in the region stays in the region", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:Orders"}}`, src(topic), "", false},
		{"ArnLike per component", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:Ord*"}}`, src(topic), "", true},
		{"ArnLike '?' is one character in one component", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-?:123456789012:Orders"}}`, src(topic), "", true},
		{"ArnLike the resource component keeps its colons", `{"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:log-group:/aws/lambda/F:*"}}`,
			src("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/F:log-stream:s"), "", true},
		{"ArnLike '*' alone still matches any ARN", `{"ArnLike": {"aws:SourceArn": "*"}}`, src(topic), "", true},
		{"ArnLike with a variable that resolves to a short ARN", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:${aws:RequestedRegion}:*"}}`,
			map[string][]string{"aws:SourceArn": {topic}, "aws:RequestedRegion": {"us-east-1"}}, "", false},
	})
}

// Multivalued context keys: "Multivalued context keys require a condition
// set operator" (ForAllValues / ForAnyValue). The guide's examples with
// aws:TagKeys decide with the set operator; without one, the request's set
// of values is not one value.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
func TestAWSDocsMultivaluedKeys(t *testing.T) {
	tags := func(keys ...string) map[string][]string { return map[string][]string{"aws:TagKeys": keys} }
	runCondCases(t, []condCase{
		{"ForAllValues: every request value in the policy set", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, tags("environment", "cost-center"), "", true},
		{"ForAnyValue: one request value in the policy set", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}`, tags("environment", "dept"), "", true},
		{"plain StringEquals with two tag keys does not allow an extra key", `{"StringEquals": {"aws:TagKeys": ["environment"]}}`, tags("environment", "dept"), "", false},
		{"plain StringEquals with every key listed is still not one value", `{"StringEquals": {"aws:TagKeys": ["environment", "dept"]}}`, tags("environment", "dept"), "", false},
		{"plain StringEquals with one tag key", `{"StringEquals": {"aws:TagKeys": ["environment"]}}`, tags("environment"), "", true},
		{"plain StringNotEquals is the negation", `{"StringNotEquals": {"aws:TagKeys": ["environment"]}}`, tags("environment", "dept"), "", true},
	})
}

// "How AWS enforcement code logic evaluates requests": requests are
// implicitly denied by default, an explicit deny in any policy overrides
// every allow, a permissions boundary or session policy without an allow
// turns an identity-policy allow into an implicit deny, and within one
// account a resource-based policy that names the role session itself is
// not limited by that implicit deny — one that names the role is.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
func TestAWSDocsEvaluationLogic(t *testing.T) {
	const (
		sess  = "arn:aws:sts::111111111111:assumed-role/Writer/s1"
		role  = "arn:aws:iam::111111111111:role/Writer"
		queue = "arn:aws:sqs:us-east-1:111111111111:Orders"
	)
	allowSend := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}`
	denySend := `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*"}]}`
	allowOther := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]}`
	queueTo := func(principal string) *NamedPolicy {
		return namedPtr(t, "queue-policy", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "`+principal+`"},
			"Action": "sqs:SendMessage", "Resource": "`+queue+`"}]}`)
	}
	identity := func(doc string) []NamedPolicy { return []NamedPolicy{named(t, "id", doc)} }
	req := Request{Principal: sess, Action: "sqs:SendMessage", Resource: queue}
	runEvalCases(t, []evalCase{
		{name: "no policy: implicit deny", in: Input{}, req: req, want: ImplicitDeny},
		{name: "an identity-based allow", in: Input{Identity: identity(allowSend)}, req: req, want: Allowed},
		{name: "an explicit deny overrides the allow", in: Input{Identity: append(identity(allowSend), named(t, "deny", denySend))}, req: req, want: ExplicitDeny},
		{name: "a deny in the boundary overrides", in: Input{Identity: identity(allowSend), Boundary: namedPtr(t, "b", denySend)}, req: req, want: ExplicitDeny},
		{name: "a deny in the session policy overrides", in: Input{Identity: identity(allowSend), SessionPolicy: namedPtr(t, "s", denySend)}, req: req, want: ExplicitDeny},
		{name: "a boundary without the action: implicit deny", in: Input{Identity: identity(allowSend), Boundary: namedPtr(t, "b", allowOther)}, req: req, want: ImplicitDeny},
		{name: "a session policy without the action: implicit deny", in: Input{Identity: identity(allowSend), SessionPolicy: namedPtr(t, "s", allowOther)}, req: req, want: ImplicitDeny},
		{name: "resource policy naming the session: allowed despite the boundary", in: Input{Resource: queueTo(sess), Boundary: namedPtr(t, "b", allowOther)}, req: req, want: Allowed},
		{name: "resource policy naming the session: allowed despite the session policy", in: Input{Resource: queueTo(sess), SessionPolicy: namedPtr(t, "s", allowOther)}, req: req, want: Allowed},
		{name: "resource policy naming the role: the boundary limits it", in: Input{Resource: queueTo(role), Boundary: namedPtr(t, "b", allowOther)}, req: req, want: ImplicitDeny},
		{name: "resource policy naming the role: the session policy limits it", in: Input{Resource: queueTo(role), SessionPolicy: namedPtr(t, "s", allowOther)}, req: req, want: ImplicitDeny},
		{name: "a resource-policy deny overrides the identity allow", in: Input{Identity: identity(allowSend), Resource: namedPtr(t, "queue-policy",
			`{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]}`)}, req: req, want: ExplicitDeny},
	})
}
