package sqs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// serviceSenderID is the SenderId reported for messages an AWS service
// delivered (on AWS, that service's own IAM id, not the caller's).
const serviceSenderID = "AIDAIT2UOQQY3AUEKVGXU"

// ErrDeliveryDenied is returned (wrapped) by SendFromService when the
// queue's policy does not let the service deliver.
var ErrDeliveryDenied = errors.New("queue policy does not allow the delivery")

// SendFromService enqueues a message delivered by an AWS service (SNS) after checking the queue's
// policy with the configured evaluator (AWS drops and logs deliveries the policy does not allow).
//
// region and account are the sending resource's (the topic's): account is
// the aws:SourceAccount condition, sourceARN the aws:SourceArn. The queue is
// found by its ARN. Like SendMessage, it returns once the message is durable.
func (s *Service) SendFromService(ctx context.Context, region, account, queueARN, servicePrincipal, sourceARN, body string, attrs map[string]service.MessageAttribute, completer string) error {
	return s.SendFromServiceAfter(ctx, 0, region, account, queueARN, servicePrincipal, sourceARN, body, attrs, completer)
}

// SendFromServiceAfter is SendFromService for a delivery that takes after
// to arrive (the realism profile's SNS delivery time): the message is
// stored at once but cannot be received until after has passed on the
// service's clock.
//
// completer, when not "", names the function registered with
// SetBodyCompleter that finishes body when the message is first received.
func (s *Service) SendFromServiceAfter(ctx context.Context, after time.Duration, region, account, queueARN, servicePrincipal, sourceARN, body string, attrs map[string]service.MessageAttribute, completer string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deliver to %s: %w", queueARN, err)
	}
	key, ok := parseQueueARN(queueARN)
	if !ok {
		return fmt.Errorf("deliver to %s: not an SQS queue ARN", queueARN)
	}
	q := s.lookup(key)
	if q == nil {
		return fmt.Errorf("deliver to %s: %w", queueARN, errQueueDoesNotExist())
	}
	now := s.now()
	if !q.knownAt(now) {
		return fmt.Errorf("deliver to %s: %w", queueARN, errQueueDoesNotExist())
	}
	q.mu.Lock()
	policy, cfg, deleted := q.deliveryPolicyLocked(now), q.cfg, q.deleted
	q.mu.Unlock()
	if deleted {
		return fmt.Errorf("deliver to %s: %w", queueARN, errQueueDoesNotExist())
	}
	if s.opts.PolicyEvaluator != nil {
		// Without a policy nothing but the owner may send, and a service is
		// not the owner.
		if policy == "" {
			return fmt.Errorf("deliver to %s from %s: %w: the queue has no policy", queueARN, sourceARN, ErrDeliveryDenied)
		}
		allowed, err := s.opts.PolicyEvaluator.AllowsService(policy, servicePrincipal, "sqs:SendMessage", queueARN,
			map[string][]string{"aws:SourceArn": {sourceARN}, "aws:SourceAccount": {account}})
		if err != nil {
			return fmt.Errorf("deliver to %s: evaluate queue policy: %w", queueARN, err)
		}
		if !allowed {
			return fmt.Errorf("deliver to %s from %s: %w", queueARN, sourceARN, ErrDeliveryDenied)
		}
	}
	entry := sendEntry{MessageBody: &body, MessageAttributes: attributeValues(attrs)}
	m, _, err := buildMessage(cfg, entry, serviceSenderID, s.now())
	if err != nil {
		return fmt.Errorf("deliver to %s: %w", queueARN, err)
	}
	m.visibleAt = m.visibleAt.Add(after)
	m.seq = q.seq.Add(1)
	if completer != "" {
		s.completersMu.RLock()
		_, known := s.completers[completer]
		s.completersMu.RUnlock()
		if !known {
			return fmt.Errorf("deliver to %s: no body completer %q is registered", queueARN, completer)
		}
		m.completer = completer
	}
	if err := s.enqueue(q, m); err != nil {
		return fmt.Errorf("deliver to %s: %w", queueARN, err)
	}
	return nil
}

func attributeValues(attrs map[string]service.MessageAttribute) map[string]attributeValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]attributeValue, len(attrs))
	for name, a := range attrs {
		v := attributeValue{DataType: a.DataType, BinaryValue: a.BinaryValue}
		if !isBinaryType(a.DataType) {
			sv := a.StringValue
			v.StringValue = &sv
		}
		out[name] = v
	}
	return out
}

// SetBodyCompleter registers fn under name: a message sent by a service
// with that completer has its body finished by fn when it is first
// received (and stored so), instead of when it is sent. SNS uses it to
// sign notifications only when someone reads them: RSA PKCS #1 v1.5
// signatures are deterministic, so the body a receiver sees is the same
// as if it had been signed at publish.
func (s *Service) SetBodyCompleter(name string, fn func(body string) (string, error)) {
	s.completersMu.Lock()
	defer s.completersMu.Unlock()
	if s.completers == nil {
		s.completers = map[string]func(string) (string, error){}
	}
	s.completers[name] = fn
}

// completeBody finishes m's body if it waits for a completer, returning
// the store write that keeps it finished. Caller holds m's queue's lock.
func (s *Service) completeBody(q *queue, m *message) (*store.Op, error) {
	if m.completer == "" {
		return nil, nil
	}
	s.completersMu.RLock()
	fn := s.completers[m.completer]
	s.completersMu.RUnlock()
	if fn == nil {
		return nil, fmt.Errorf("message %s: no body completer %q is registered", m.id, m.completer)
	}
	body, err := fn(m.body)
	if err != nil {
		return nil, fmt.Errorf("message %s: complete body: %w", m.id, err)
	}
	m.body, m.md5Body, m.completer = body, md5Hex(body), ""
	op := q.putMessage(m)
	return &op, nil
}
