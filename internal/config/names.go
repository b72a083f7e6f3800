package config

import (
	"fmt"

	"github.com/orders-dev/orders/policies"
)

// Base names of the resources; Names prepends the prefix to each.
const (
	baseStack      = "orders"
	baseTable      = "OrdersTable"
	baseTopic      = "HighValueOrderTopic"
	baseQueue      = "HighValueQueue"
	baseFunction   = "ProcessOrderFunction"
	baseRole       = baseFunction + "-role"
	baseRolePolicy = baseFunction + "-policy"
	logGroupPrefix = "/aws/lambda/"
)

// Names are the names of the stack's resources, all derived from the prefix.
type Names struct {
	Stack      string // value of the StackTagKey tag
	Table      string
	Topic      string
	Queue      string
	Role       string
	RolePolicy string // the role's one inline policy
	Function   string
	LogGroup   string
}

// Names derives every resource name from c.Prefix.
func (c Config) Names() Names {
	p := c.Prefix
	return Names{
		Stack:      p + baseStack,
		Table:      p + baseTable,
		Topic:      p + baseTopic,
		Queue:      p + baseQueue,
		Role:       p + baseRole,
		RolePolicy: p + baseRolePolicy,
		Function:   p + baseFunction,
		LogGroup:   logGroupPrefix + p + baseFunction,
	}
}

// ARNs builds the ARN of every resource from its name. The log group ARN has
// no trailing ":*": the policies add it where IAM needs it.
func (n Names) ARNs(partition, region, account string) policies.ARNs {
	if partition == "" {
		partition = "aws"
	}
	return policies.ARNs{
		Partition: partition,
		Region:    region,
		Account:   account,
		Table:     fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", partition, region, account, n.Table),
		Topic:     fmt.Sprintf("arn:%s:sns:%s:%s:%s", partition, region, account, n.Topic),
		Queue:     fmt.Sprintf("arn:%s:sqs:%s:%s:%s", partition, region, account, n.Queue),
		LogGroup:  fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, account, n.LogGroup),
		Role:      fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, n.Role),
		Function:  fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition, region, account, n.Function),
	}
}

// PartitionOf returns the AWS partition a region belongs to, for building
// ARNs before any call has told us ("aws" unless the region says otherwise).
func PartitionOf(region string) string {
	switch {
	case len(region) >= 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) >= 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	case len(region) >= 7 && region[:7] == "us-iso-":
		return "aws-iso"
	case len(region) >= 8 && region[:8] == "us-isob-":
		return "aws-iso-b"
	}
	return "aws"
}
