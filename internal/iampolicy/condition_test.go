package iampolicy

import "testing"

// condCase evaluates one Condition block on an Allow-everything statement.
type condCase struct {
	name      string
	condition string // the JSON object of the Condition element
	context   map[string][]string
	principal string // default: a role session
	want      bool   // does the statement apply?
}

func runCondCases(t *testing.T, cases []condCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": `+tc.condition+`}]}`)
			principal := tc.principal
			if principal == "" {
				principal = session
			}
			got := p.Evaluate("p", Request{Principal: principal, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tc.context}).Decision == Allowed
			if got != tc.want {
				t.Errorf("condition %s with context %v: applies = %v, want %v", tc.condition, tc.context, got, tc.want)
			}
		})
	}
}

func ctx(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// From "IAM JSON policy elements: Condition operators", string operators.
func TestConditionStrings(t *testing.T) {
	runCondCases(t, []condCase{
		{"StringEquals matches", `{"StringEquals": {"aws:username": "john"}}`, ctx("aws:username", "john"), "", true},
		{"StringEquals is case-sensitive", `{"StringEquals": {"aws:username": "john"}}`, ctx("aws:username", "John"), "", false},
		{"StringEquals missing key", `{"StringEquals": {"aws:username": "john"}}`, nil, "", false},
		{"StringEquals derives aws:username for users", `{"StringEquals": {"aws:username": "john"}}`, nil, "arn:aws:iam::000000000000:user/john", true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase": {"aws:username": "john"}}`, ctx("aws:username", "John"), "", true},
		{"StringNotEquals other value", `{"StringNotEquals": {"aws:username": "john"}}`, ctx("aws:username", "mary"), "", true},
		{"StringNotEquals same value", `{"StringNotEquals": {"aws:username": "john"}}`, ctx("aws:username", "john"), "", false},
		{"StringNotEquals missing key is true", `{"StringNotEquals": {"aws:username": "john"}}`, nil, "", true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase": {"aws:username": "john"}}`, ctx("aws:username", "JOHN"), "", false},
		{"multiple values are OR-ed", `{"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}`, ctx("aws:RequestedRegion", "eu-west-1"), "", true},
		{"negated multiple values: none may match", `{"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}`, ctx("aws:RequestedRegion", "eu-west-1"), "", false},
		{"multiple keys are AND-ed", `{"StringEquals": {"aws:PrincipalTag/dept": "hr", "aws:PrincipalTag/level": "2"}}`,
			ctx("aws:PrincipalTag/dept", "hr", "aws:PrincipalTag/level", "3"), "", false},
		{"multiple operators are AND-ed", `{"StringEquals": {"aws:PrincipalTag/dept": "hr"}, "StringLike": {"aws:PrincipalTag/level": "2*"}}`,
			ctx("aws:PrincipalTag/dept", "hr", "aws:PrincipalTag/level", "25"), "", true},
		{"key names are case-insensitive", `{"StringEquals": {"AWS:PrincipalTag/Dept": "hr"}}`, ctx("aws:principaltag/dept", "hr"), "", true},
		{"StringLike with *", `{"StringLike": {"aws:RequestTag/Department": ["Finance:*", "Sales:??"]}}`, ctx("aws:RequestTag/Department", "Finance:AccountsPayable"), "", true},
		{"StringLike with ?? (two characters)", `{"StringLike": {"aws:RequestTag/Department": ["Finance:*", "Sales:??"]}}`, ctx("aws:RequestTag/Department", "Sales:NY"), "", true},
		{"StringLike ?? is not three", `{"StringLike": {"aws:RequestTag/Department": ["Finance:*", "Sales:??"]}}`, ctx("aws:RequestTag/Department", "Sales:NYC"), "", false},
		{"StringLike is case-sensitive", `{"StringLike": {"aws:RequestTag/Department": ["Finance:*", "Sales:??"]}}`, ctx("aws:RequestTag/Department", "finance:AP"), "", false},
		{"StringLike ? matches one multi-byte character", `{"StringLike": {"aws:PrincipalTag/name": "Jos?"}}`, ctx("aws:PrincipalTag/name", "José"), "", true},
		{"StringNotLike", `{"StringNotLike": {"s3:prefix": "private/*"}}`, ctx("s3:prefix", "public/x"), "", true},
		{"StringNotLike matching", `{"StringNotLike": {"s3:prefix": "private/*"}}`, ctx("s3:prefix", "private/x"), "", false},
		{"StringLike empty string value", `{"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}`, ctx("s3:prefix", ""), "", true},
		{"StringLike with a variable", `{"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}`, ctx("s3:prefix", "home/alice/docs"), otherUser, true},
		{"StringLike with a variable, other user", `{"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}`, ctx("s3:prefix", "home/bob/docs"), otherUser, false},
		{"StringEquals with a variable", `{"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}`, ctx("aws:PrincipalTag/owner", "alice"), otherUser, true},
		{"number and bool values are text", `{"StringEquals": {"s3:max-keys": 10, "aws:SecureTransport": true}}`, ctx("s3:max-keys", "10", "aws:SecureTransport", "true"), "", true},
	})
}

func TestConditionIfExistsAndNull(t *testing.T) {
	runCondCases(t, []condCase{
		{"StringLikeIfExists absent", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}`, nil, "", true},
		{"StringLikeIfExists present, matching", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}`, ctx("ec2:InstanceType", "t2.micro"), "", true},
		{"StringLikeIfExists present, not matching", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}`, ctx("ec2:InstanceType", "m5.large"), "", false},
		{"StringNotEqualsIfExists present, equal", `{"StringNotEqualsIfExists": {"ec2:InstanceType": "t2.micro"}}`, ctx("ec2:InstanceType", "t2.micro"), "", false},
		{"ifexists suffix is case-insensitive", `{"stringequalsIFEXISTS": {"ec2:InstanceType": "t2.micro"}}`, nil, "", true},
		{"Null true: key absent", `{"Null": {"aws:TokenIssueTime": "true"}}`, nil, "", true},
		{"Null true: key present", `{"Null": {"aws:TokenIssueTime": "true"}}`, ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), "", false},
		{"Null false: key present", `{"Null": {"aws:TokenIssueTime": "false"}}`, ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), "", true},
		{"Null false: key absent", `{"Null": {"aws:TokenIssueTime": false}}`, nil, "", false},
		{"Null: an empty value list is absent", `{"Null": {"aws:TagKeys": "true"}}`, map[string][]string{"aws:TagKeys": {}}, "", true},
		{"Bool false", `{"Bool": {"aws:SecureTransport": "false"}}`, ctx("aws:SecureTransport", "false"), "", true},
		{"Bool from a JSON boolean", `{"Bool": {"aws:SecureTransport": false}}`, ctx("aws:SecureTransport", "FALSE"), "", true},
		{"Bool mismatch", `{"Bool": {"aws:SecureTransport": "false"}}`, ctx("aws:SecureTransport", "true"), "", false},
		{"Bool missing", `{"Bool": {"aws:SecureTransport": "false"}}`, nil, "", false},
		{"BoolIfExists missing", `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}`, nil, "", true},
	})
}

func TestConditionNumbersAndDates(t *testing.T) {
	runCondCases(t, []condCase{
		{"NumericLessThanEquals equal", `{"NumericLessThanEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10"), "", true},
		{"NumericLessThanEquals above", `{"NumericLessThanEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "11"), "", false},
		{"NumericLessThanEquals JSON number", `{"NumericLessThanEquals": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "9"), "", true},
		{"NumericLessThanEquals missing", `{"NumericLessThanEquals": {"s3:max-keys": "10"}}`, nil, "", false},
		{"NumericLessThan", `{"NumericLessThan": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10"), "", false},
		{"NumericGreaterThan decimals", `{"NumericGreaterThan": {"app:amount": "100"}}`, ctx("app:amount", "100.01"), "", true},
		{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals": {"app:amount": "100"}}`, ctx("app:amount", "100.00"), "", true},
		{"NumericEquals", `{"NumericEquals": {"app:n": "1.0"}}`, ctx("app:n", "1"), "", true},
		{"NumericNotEquals", `{"NumericNotEquals": {"app:n": ["1", "2"]}}`, ctx("app:n", "2"), "", false},
		{"NumericNotEquals missing key", `{"NumericNotEquals": {"app:n": "1"}}`, nil, "", true},
		{"NumericEquals not a number", `{"NumericEquals": {"app:n": "1"}}`, ctx("app:n", "one"), "", false},
		{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists": {"app:n": "1"}}`, nil, "", true},
		// "Example: Allow access within specific dates" (aws:CurrentTime).
		{"within dates", `{"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}`,
			ctx("aws:CurrentTime", "2020-05-15T12:00:00Z"), "", true},
		{"after the window", `{"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}`,
			ctx("aws:CurrentTime", "2020-07-01T00:00:00Z"), "", false},
		{"DateLessThan one second before", `{"DateLessThan": {"aws:CurrentTime": "2011-05-03T00:00:00Z"}}`, ctx("aws:CurrentTime", "2011-05-02T23:59:59Z"), "", true},
		{"DateLessThan equal", `{"DateLessThan": {"aws:CurrentTime": "2011-05-03T00:00:00Z"}}`, ctx("aws:CurrentTime", "2011-05-03T00:00:00Z"), "", false},
		{"DateLessThanEquals equal", `{"DateLessThanEquals": {"aws:CurrentTime": "2011-05-03T00:00:00Z"}}`, ctx("aws:CurrentTime", "2011-05-03T00:00:00Z"), "", true},
		{"DateGreaterThanEquals", `{"DateGreaterThanEquals": {"aws:CurrentTime": "2011-05-03"}}`, ctx("aws:CurrentTime", "2011-05-03T00:00:00Z"), "", true},
		{"DateEquals across zones", `{"DateEquals": {"aws:TokenIssueTime": "2011-05-03T02:00:00+02:00"}}`, ctx("aws:TokenIssueTime", "2011-05-03T00:00:00Z"), "", true},
		{"DateNotEquals", `{"DateNotEquals": {"aws:TokenIssueTime": "2011-05-03T00:00:00Z"}}`, ctx("aws:TokenIssueTime", "2011-05-03T00:00:01Z"), "", true},
		{"epoch seconds", `{"DateGreaterThan": {"aws:EpochTime": "1588291200"}}`, ctx("aws:EpochTime", "1588291201"), "", true},
		{"epoch in the request, ISO in the policy", `{"DateLessThan": {"aws:CurrentTime": "2020-05-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "1588291199"), "", true},
		{"derived aws:CurrentTime is now", `{"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}`, nil, "", true},
		{"date not parseable", `{"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "yesterday"), "", false},
	})
}

func TestConditionARNsAndIPs(t *testing.T) {
	runCondCases(t, []condCase{
		{"ArnEquals", `{"ArnEquals": {"aws:SourceArn": "` + topicARN + `"}}`, ctx("aws:SourceArn", topicARN), "", true},
		{"ArnEquals other topic", `{"ArnEquals": {"aws:SourceArn": "` + topicARN + `"}}`, ctx("aws:SourceArn", topicARN+"2"), "", false},
		{"ArnLike per-field wildcards", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:000000000000:*"}}`, ctx("aws:SourceArn", topicARN), "", true},
		{"ArnLike other account", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:000000000000:*"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:T"), "", false},
		{"ArnLike: a field wildcard does not cross ':'", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:000000000000:T"}}`,
			ctx("aws:SourceArn", "arn:aws:sns:us-east-1:999999999999:000000000000:T"), "", false},
		{"ArnLike: the resource field keeps its colons", `{"ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:log-group:/aws/lambda/*"}}`,
			ctx("aws:SourceArn", groupARN+":log-stream:x"), "", true},
		{"ArnLike not an ARN", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}`, ctx("aws:SourceArn", "topic"), "", false},
		{"ArnLike *", `{"ArnLike": {"aws:SourceArn": "*"}}`, ctx("aws:SourceArn", "anything"), "", true},
		{"ArnNotEquals missing key", `{"ArnNotEquals": {"aws:SourceArn": "` + topicARN + `"}}`, nil, "", true},
		{"ArnNotLike matching", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ProcessOrder*"}}`, nil, "", false},
		{"ArnLike on the derived aws:PrincipalArn (a session's role)", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ProcessOrder*"}}`, nil, "", true},
		{"ArnEquals with a variable", `{"ArnEquals": {"aws:SourceArn": "arn:aws:iam::000000000000:user/${aws:username}"}}`, ctx("aws:SourceArn", otherUser), otherUser, true},
		{"IpAddress in range", `{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), "", true},
		{"IpAddress out of range", `{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}`, ctx("aws:SourceIp", "198.51.100.1"), "", false},
		{"IpAddress IPv6", `{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}`, ctx("aws:SourceIp", "2001:db8:1234:5678::1"), "", true},
		{"NotIpAddress", `{"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), "", true},
		{"single address", `{"IpAddress": {"aws:SourceIp": "127.0.0.1"}}`, ctx("aws:SourceIp", "127.0.0.1"), "", true},
	})
}

// "Set operators for multivalued context keys".
func TestConditionSetOperators(t *testing.T) {
	tags := func(keys ...string) map[string][]string { return map[string][]string{"aws:TagKeys": keys} }
	runCondCases(t, []condCase{
		{"ForAllValues: every value listed", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, tags("environment", "cost-center"), "", true},
		{"ForAllValues: subset", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, tags("environment"), "", true},
		{"ForAllValues: one value not listed", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, tags("environment", "dept"), "", false},
		{"ForAllValues: key absent is true", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, nil, "", true},
		{"ForAllValues: empty list is true", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["environment"]}}`, tags(), "", true},
		{"ForAnyValue: one listed", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, tags("dept", "environment"), "", true},
		{"ForAnyValue: none listed", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "cost-center"]}}`, tags("dept"), "", false},
		{"ForAnyValue: key absent is false", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment"]}}`, nil, "", false},
		{"ForAnyValue ignores IfExists", `{"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["Owner:*"]}}`, nil, "", false},
		{"ForAnyValue:StringLike case-sensitive", `{"ForAnyValue:StringLike": {"aws:TagKeys": ["Owner:*", "State:??"]}}`, tags("owner:Mktg", "State:NewYork"), "", false},
		{"ForAnyValue:StringLike", `{"ForAnyValue:StringLike": {"aws:TagKeys": ["Owner:*", "State:??"]}}`, tags("Owner:Legal", "owner:Mktg"), "", true},
		{"ForAllValues:StringNotEquals: none of them", `{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, tags("a", "b"), "", true},
		{"ForAllValues:StringNotEquals: one of them", `{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, tags("a", "secret"), "", false},
		{"ForAnyValue:StringNotEquals: one other", `{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, tags("secret", "a"), "", true},
		{"ForAnyValue:StringNotEquals: only listed", `{"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["secret"]}}`, tags("secret"), "", false},
		{"qualifier is case-insensitive", `{"forallvalues:StringEquals": {"aws:TagKeys": ["a"]}}`, tags("a"), "", true},
		// Multivalued context keys "require a condition set operator"
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
		// a plain operator compares the request's values as one set, which
		// equals no single policy value (not "any" of them).
		{"no qualifier, multi-valued key: the set is not one value", `{"StringEquals": {"aws:TagKeys": "a"}}`, tags("b", "a"), "", false},
		{"no qualifier, multi-valued key: even when every value matches", `{"StringLike": {"aws:TagKeys": "*"}}`, tags("b", "a"), "", false},
		{"no qualifier, negated, multi-valued key: exact negation", `{"StringNotEquals": {"aws:TagKeys": "a"}}`, tags("b", "a"), "", true},
		{"no qualifier, single value of a multivalued key compares as usual", `{"StringEquals": {"aws:TagKeys": "a"}}`, tags("a"), "", true},
	})
}

func TestParseOperator(t *testing.T) {
	good := []string{"StringEquals", "ForAnyValue:StringLike", "ForAllValues:ArnNotLikeIfExists", "NumericLessThanEqualsIfExists",
		"DateGreaterThanEquals", "Null", "BinaryEquals", "NotIpAddressIfExists", "stringequals"}
	for _, name := range good {
		if _, err := parseOperator(name); err != nil {
			t.Errorf("parseOperator(%q): %v", name, err)
		}
	}
	bad := []string{"StringMatches", "NullIfExists", "ForAnyValue:Null", "ForSomeValues:StringEquals", "IfExists", ""}
	for _, name := range bad {
		if _, err := parseOperator(name); err == nil {
			t.Errorf("parseOperator(%q) accepted", name)
		}
	}
}
