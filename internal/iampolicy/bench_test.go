package iampolicy

import "testing"

// BenchmarkEvaluate measures what the emulator does on every request: the
// function role's inline policy, a permissions boundary and (for SQS) the
// queue policy, parsed once, evaluated per call.
func BenchmarkEvaluate(b *testing.B) {
	identity := []NamedPolicy{named(b, "ProcessOrderFunction-policy", functionPolicyDoc)}
	boundary := namedPtr(b, "boundary", `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Allow", "Action": ["dynamodb:*", "sns:*", "logs:*"], "Resource": "*"},
	  {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"}]}`)
	queue := namedPtr(b, "HighValueQueue", queuePolicyDoc)
	role := Input{Identity: identity, Boundary: boundary}
	cases := []struct {
		name string
		in   Input
		req  Request
		want Decision
	}{
		{"allowed/PutItem", role, Request{Principal: session, Action: "dynamodb:PutItem", Resource: tableARN}, Allowed},
		{"allowed/PutLogEvents", role, Request{Principal: session, Action: "logs:PutLogEvents",
			Resource: groupARN + ":log-stream:2024/01/01/[$LATEST]0123456789abcdef"}, Allowed},
		{"implicitDeny/DeleteItem", role, Request{Principal: session, Action: "dynamodb:DeleteItem", Resource: tableARN}, ImplicitDeny},
		{"explicitDeny/DeleteTable", role, Request{Principal: session, Action: "dynamodb:DeleteTable", Resource: tableARN}, ExplicitDeny},
		{"allowed/SNS-to-SQS", Input{Resource: queue}, Request{PrincipalService: "sns.amazonaws.com", Action: "sqs:SendMessage",
			Resource: queueARN, Context: map[string][]string{"aws:SourceArn": {topicARN}}}, Allowed},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			if got := Evaluate(tc.in, tc.req).Decision; got != tc.want {
				b.Fatalf("Decision = %s, want %s", got, tc.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(tc.in, tc.req)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(functionPolicyDoc); err != nil {
			b.Fatal(err)
		}
	}
}

// Evaluation allocates at most once (the Matched slice or the Reason), also
// when conditions look up keys that are absent.
func TestEvaluateAllocations(t *testing.T) {
	in := Input{Identity: []NamedPolicy{named(t, "p", functionPolicyDoc), named(t, "c", `{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:SourceArn": "true"},
	   "StringEquals": {"aws:PrincipalTag/Team": "nobody"}}}]}`)}}
	for _, req := range []Request{
		{Principal: session, Action: "dynamodb:PutItem", Resource: tableARN},
		{Principal: session, Action: "dynamodb:DeleteItem", Resource: tableARN},
		{Principal: session, Action: "logs:PutLogEvents", Resource: groupARN + ":log-stream:s"},
	} {
		if n := testing.AllocsPerRun(50, func() { Evaluate(in, req) }); n > 1 {
			t.Errorf("%s: %.0f allocations per evaluation, want at most 1", req.Action, n)
		}
	}
}
