package verify

import (
	"github.com/orders-dev/orders/policies"
)

// call is one request the role should (or should not) be able to make.
type call struct {
	action, resource string
	why              string // what it is for, or why it must be refused
}

// otherSuffix makes the "another resource" ARNs. They share the real name
// as a prefix so that a trailing wildcard ("table/OrdersTable*") is caught.
const otherSuffix = "-other"

// probeStream is a log stream of the function's log group, for simulating
// the calls the function makes on its streams.
const probeStream = ":log-stream:probe"

// neededCalls are the calls the function makes: each must be allowed.
func neededCalls(a policies.ARNs) []call {
	stream := a.LogGroup + probeStream
	return []call{
		{"dynamodb:PutItem", a.Table, "store orders"},
		{"sns:Publish", a.Topic, "notify high-value orders"},
		{"logs:CreateLogStream", stream, "write its logs"},
		{"logs:PutLogEvents", stream, "write its logs"},
	}
}

// deniedCalls are calls the function never makes: each must be refused.
func deniedCalls(a policies.ARNs) []call {
	const readOrChange = "the function only writes new orders"
	return []call{
		{"dynamodb:DeleteItem", a.Table, readOrChange},
		{"dynamodb:GetItem", a.Table, readOrChange},
		{"dynamodb:Scan", a.Table, readOrChange},
		{"dynamodb:UpdateItem", a.Table, readOrChange},
		{"dynamodb:PutItem", a.Table + otherSuffix, "another table"},
		{"sns:Publish", a.Topic + otherSuffix, "another topic"},
		{"sqs:SendMessage", a.Queue, "only SNS delivers to the queue"},
		{"sqs:ReceiveMessage", a.Queue, "the function does not read the queue"},
		{"sqs:DeleteQueue", a.Queue, "the function does not manage the queue"},
		{"iam:PassRole", a.Role, "the function must not hand its role on"},
		{"lambda:InvokeFunction", a.Function, "the function does not call Lambda"},
		{"lambda:UpdateFunctionCode", a.Function, "the function must not change its own code"},
		{"logs:PutLogEvents", a.LogGroup + otherSuffix + probeStream, "another log group"},
		{"logs:CreateLogStream", a.LogGroup + otherSuffix + probeStream, "another log group"},
	}
}

// expectedGrants is what the function policy grants, for iampolicy.Lint.
func expectedGrants(a policies.ARNs) map[string][]string {
	streams := a.LogGroup + ":*"
	return map[string][]string{
		"dynamodb:PutItem":     {a.Table},
		"sns:Publish":          {a.Topic},
		"logs:CreateLogStream": {streams},
		"logs:PutLogEvents":    {streams},
	}
}
