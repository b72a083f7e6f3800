// Package pipeline creates, converges, inspects and deletes the orders
// stack — table, topic, queue and its policy, subscription, log group, role
// and its policy, function — by calling AWS APIs directly. Each resource
// has one read, one description of what correct looks like (its changes
// function) and one way to create and delete it; Up, Status and Destroy are
// built from those, so they always agree on what "right" means.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/policies"
)

// Stack is the orders pipeline in one account and region.
type Stack struct {
	cfg   config.Config
	c     *awsapi.Clients
	names config.Names

	mu        sync.Mutex // guards account and partition
	account   string
	partition string

	t timings
}

// timings are the delays of the waits Up and Destroy go through. They are
// fields so tests can shorten them; New sets the production values.
type timings struct {
	waitMin, waitMax time.Duration // SDK waiters' delays between polls
	waitTimeout      time.Duration // longest an SDK waiter polls
	queueCooldown    time.Duration // SQS refuses a deleted queue's name for 60 s
	queueRetry       time.Duration // delay between CreateQueue calls while it does
	tagSettle        time.Duration // how long an empty DynamoDB tag set is read again
	tagRetry         time.Duration // delay between those reads
	progressEvery    time.Duration // how often a long wait says how long is left
	iamRetry         time.Duration // delay between tries while a new role cannot be assumed
}

var defaultTimings = timings{
	// The SDK's TableExists waiter starts at 20 s; tables are usually ACTIVE
	// within a few seconds and functions within one or two, and up is
	// only as fast as it notices, so poll every 250 ms at first and never
	// less often than twice a second (far below any of these APIs' limits).
	waitMin:       250 * time.Millisecond,
	waitMax:       500 * time.Millisecond,
	waitTimeout:   10 * time.Minute,
	queueCooldown: 61 * time.Second, // AWS says 60 s; one more to be on the safe side
	queueRetry:    time.Second,
	tagSettle:     5 * time.Second, // AWS: "a few seconds"
	tagRetry:      500 * time.Millisecond,
	progressEvery: 5 * time.Second,
	// A new role is usually assumable within ~10 s; CreateFunction is
	// sent one at a time, so a slow upload only spaces the tries out.
	iamRetry: 250 * time.Millisecond,
}

// New returns the stack described by cfg, reached through c. cfg must have
// passed Validate.
func New(cfg config.Config, c *awsapi.Clients) *Stack {
	return &Stack{cfg: cfg, c: c, names: cfg.Names(), t: defaultTimings}
}

// Account returns the AWS account the credentials belong to (STS
// GetCallerIdentity), asking once per Stack.
func (s *Stack) Account(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.account != "" {
		return s.account, nil
	}
	out, err := s.c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("look up the AWS account (sts GetCallerIdentity): %w", awsapi.ExplainAccessDenied(err))
	}
	if out.Account == nil || *out.Account == "" {
		return "", errors.New("look up the AWS account (sts GetCallerIdentity): the answer has no account id")
	}
	s.account = *out.Account
	s.partition = config.PartitionOf(s.c.Region)
	// The caller's own ARN names the partition for certain.
	if out.Arn != nil {
		if parts := strings.SplitN(*out.Arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
			s.partition = parts[1]
		}
	}
	return s.account, nil
}

// ARNs returns the ARN of every resource of the stack, whether or not it
// exists, built from the names, region and account.
func (s *Stack) ARNs(ctx context.Context) (policies.ARNs, error) {
	account, err := s.Account(ctx)
	if err != nil {
		return policies.ARNs{}, err
	}
	s.mu.Lock()
	partition := s.partition
	s.mu.Unlock()
	return s.names.ARNs(partition, s.c.Region, account), nil
}

// Names returns the names of the stack's resources.
func (s *Stack) Names() config.Names { return s.names }
