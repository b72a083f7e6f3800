package sqs

import (
	"container/heap"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type receiveMessageInput struct {
	QueueUrl                    string   `json:"QueueUrl"`
	AttributeNames              []string `json:"AttributeNames"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames"`
	MessageAttributeNames       []string `json:"MessageAttributeNames"`
	MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds"`
	ReceiveRequestAttemptId     *string  `json:"ReceiveRequestAttemptId"`
}

type receivedMessage struct {
	MessageId              string                    `json:"MessageId"`
	ReceiptHandle          string                    `json:"ReceiptHandle"`
	MD5OfBody              string                    `json:"MD5OfBody"`
	Body                   string                    `json:"Body"`
	Attributes             map[string]string         `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string                    `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]attributeValue `json:"MessageAttributes,omitempty"`
}

type receiveMessageOutput struct {
	Messages []receivedMessage `json:"Messages,omitempty"`
}

// System attribute names a receive may ask for.
const (
	sysSenderID       = "SenderId"
	sysSentTimestamp  = "SentTimestamp"
	sysReceiveCount   = "ApproximateReceiveCount"
	sysFirstReceive   = "ApproximateFirstReceiveTimestamp"
	sysTraceHeader    = "AWSTraceHeader"
	sysDLQSourceArn   = "DeadLetterQueueSourceArn"
	sysSequenceNumber = "SequenceNumber"
	sysDedupID        = "MessageDeduplicationId"
	sysGroupID        = "MessageGroupId"
)

var systemAttributeNames = []string{attrAll, sysSenderID, sysSentTimestamp, sysReceiveCount, sysFirstReceive,
	sysSequenceNumber, sysDedupID, sysGroupID, sysTraceHeader, sysDLQSourceArn}

// selection is what a receive asked to see of each message.
type selection struct {
	system []string // system attribute names ("All" included)
	user   []string // message attribute names or patterns
}

func (sel selection) wantsSystem(name string) bool {
	return slices.Contains(sel.system, attrAll) || slices.Contains(sel.system, name)
}

func (s *Service) receiveMessage(call *service.Call, body []byte) (any, error) {
	var in receiveMessageInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	maxN := 1
	if in.MaxNumberOfMessages != nil {
		if n := *in.MaxNumberOfMessages; n < 1 || n > maxBatchEntries {
			return nil, errInvalidParameter("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", n)
		}
		maxN = *in.MaxNumberOfMessages
	}
	if in.VisibilityTimeout != nil {
		if v := *in.VisibilityTimeout; v < 0 || v > maxVisibilityTimeout {
			return nil, errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", v)
		}
	}
	if in.WaitTimeSeconds != nil {
		if w := *in.WaitTimeSeconds; w < 0 || w > maxWaitTimeSeconds {
			return nil, errInvalidParameter("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", w)
		}
	}
	var sel selection
	for _, name := range in.MessageSystemAttributeNames {
		if !slices.Contains(systemAttributeNames, name) {
			return nil, errInvalidAttributeName(name)
		}
		sel.system = append(sel.system, name)
	}
	// The deprecated AttributeNames takes system attribute names too (and,
	// historically, queue attribute names, which select nothing).
	for _, name := range in.AttributeNames {
		switch {
		case slices.Contains(systemAttributeNames, name):
			sel.system = append(sel.system, name)
		case slices.Contains(readableAttributes, name):
		default:
			return nil, errInvalidAttributeName(name)
		}
	}
	sel.user = in.MessageAttributeNames

	cfg, err := q.config()
	if err != nil {
		return nil, err
	}
	visibility, wait := cfg.visibility, cfg.wait
	if in.VisibilityTimeout != nil {
		visibility = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	if in.WaitTimeSeconds != nil {
		wait = time.Duration(*in.WaitTimeSeconds) * time.Second
	}
	return s.receive(call, q, maxN, visibility, wait, sel)
}

// receive takes up to maxN visible messages, long-polling up to wait for
// the first one: it sleeps on the queue's notification channel (or until a
// delayed or in-flight message becomes visible) and never spins. It returns
// as soon as it has something, when wait runs out, or when the caller's
// request is cancelled.
func (s *Service) receive(call *service.Call, q *queue, maxN int, visibility, wait time.Duration, sel selection) (any, error) {
	ctx := callContext(call)
	// The wait is measured on the wall clock (a test clock may stand still);
	// visibility on the service's clock.
	deadline := time.Now().Add(wait)
	for {
		now := s.now()
		res := q.take(now, maxN, visibility, sel, s.completeBody)
		if res.gone {
			return nil, errQueueDoesNotExist()
		}
		if res.err != nil {
			return nil, service.Internal(fmt.Errorf("read queue %s: %w", q.key.Name, res.err))
		}
		if len(res.ops) > 0 {
			if err := s.st.Write(res.ops...); err != nil {
				return nil, service.Internal(fmt.Errorf("record receive on queue %s: %w", q.key.Name, err))
			}
		}
		if len(res.moved) > 0 {
			s.redrive(q, res.target, res.moved)
		}
		if len(res.out) > 0 {
			return receiveMessageOutput{Messages: res.out}, nil
		}
		if len(res.moved) > 0 {
			continue // the ones moved may have hidden others; look again
		}
		left := time.Until(deadline)
		if left <= 0 {
			return receiveMessageOutput{}, nil
		}
		sleep := left
		if !res.next.IsZero() {
			sleep = min(sleep, max(res.next.Sub(s.now()), time.Millisecond))
		}
		timer := time.NewTimer(sleep)
		q.waiters.Add(1)
		stop := false
		select {
		case <-res.avail:
		case <-timer.C:
		case <-ctx.Done():
			stop = true
		case <-s.done:
			stop = true
		}
		q.waiters.Add(-1)
		timer.Stop()
		if stop {
			return receiveMessageOutput{}, nil
		}
	}
}

type takeResult struct {
	out    []receivedMessage
	ops    []store.Op
	moved  []*message // taken out for the dead-letter queue
	target queueKey   // the dead-letter queue
	next   time.Time  // when the earliest invisible message becomes visible
	avail  chan struct{}
	gone   bool
	err    error // reading the queue's tail failed
}

// take receives up to maxN visible messages under the queue's lock,
// updating their receive state in memory and returning the store writes
// that make it durable. Messages past their retention period are dropped
// and messages past the redrive policy's maxReceiveCount taken out.
func (q *queue) take(now time.Time, maxN int, visibility time.Duration, sel selection, complete func(*queue, *message) (*store.Op, error)) takeResult {
	q.mu.Lock()
	defer q.mu.Unlock()
	var res takeResult
	if q.deleted {
		res.gone = true
		return res
	}
	if ops, err := q.fill(now, maxN); err != nil {
		res.err = err
		return res
	} else {
		res.ops = ops
	}
	rp := q.cfg.redrive
	var taken []*message
	for len(taken) < maxN && q.ready.Len() > 0 {
		m := q.ready[0]
		if m.visibleAt.After(now) {
			break
		}
		heap.Pop(&q.ready)
		if q.expired(m, now) {
			delete(q.msgs, m.id)
			res.ops = append(res.ops, q.delMessage(m)...)
			continue
		}
		if rp != nil && rp.target != q.key && m.receiveCount >= rp.maxReceiveCount {
			delete(q.msgs, m.id)
			res.moved = append(res.moved, m)
			res.target = rp.target
			continue
		}
		op, err := complete(q, m)
		if err != nil {
			heap.Push(&q.ready, m) // as it was
			res.err = err
			break
		}
		if op != nil {
			res.ops = append(res.ops, *op)
		}
		m.receiveCount++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		m.visibleAt = now.Add(visibility)
		m.receipt = service.RandomHex(8)
		taken = append(taken, m)
		res.out = append(res.out, q.render(m, sel))
		res.ops = append(res.ops, q.putState(m))
	}
	// Pushed back only now so a zero visibility timeout cannot hand the
	// same message out twice in one answer.
	for _, m := range taken {
		heap.Push(&q.ready, m)
	}
	if q.ready.Len() > 0 {
		res.next = q.ready[0].visibleAt
	}
	res.avail = q.avail
	return res
}

// render is the message as ReceiveMessage returns it. Caller holds q.mu.
func (q *queue) render(m *message, sel selection) receivedMessage {
	out := receivedMessage{
		MessageId: m.id, ReceiptHandle: encodeReceipt(q.id, m.id, m.receipt),
		MD5OfBody: m.md5Body, Body: m.body,
	}
	if len(sel.system) > 0 {
		attrs := map[string]string{}
		if sel.wantsSystem(sysSenderID) {
			attrs[sysSenderID] = m.senderID
		}
		if sel.wantsSystem(sysSentTimestamp) {
			attrs[sysSentTimestamp] = strconv.FormatInt(m.sentAt.UnixMilli(), 10)
		}
		if sel.wantsSystem(sysReceiveCount) {
			attrs[sysReceiveCount] = strconv.Itoa(m.receiveCount)
		}
		if sel.wantsSystem(sysFirstReceive) {
			attrs[sysFirstReceive] = strconv.FormatInt(m.firstReceive.UnixMilli(), 10)
		}
		if m.trace != "" && sel.wantsSystem(sysTraceHeader) {
			attrs[sysTraceHeader] = m.trace
		}
		if m.groupID != "" && sel.wantsSystem(sysGroupID) {
			attrs[sysGroupID] = m.groupID
		}
		if m.dlqSource != "" && sel.wantsSystem(sysDLQSourceArn) {
			attrs[sysDLQSourceArn] = m.dlqSource
		}
		if len(attrs) > 0 {
			out.Attributes = attrs
		}
	}
	// The digest covers the attributes returned, which is what the SDKs
	// that check it recompute.
	if picked := selectAttributes(m.attrs, sel.user); len(picked) > 0 {
		out.MessageAttributes = attributesOut(picked)
		out.MD5OfMessageAttributes = md5OfAttributes(picked)
	}
	return out
}

// redrive moves messages that exceeded the source queue's maxReceiveCount
// to its dead-letter queue: one atomic store write deletes them from the
// source and adds them to the target, keeping id, body, attributes, sent
// time and receive count. If the dead-letter queue is gone they stay put.
func (s *Service) redrive(src *queue, target queueKey, moved []*message) {
	putBack := func() {
		now := s.now()
		src.mu.Lock()
		defer src.mu.Unlock()
		if src.deleted {
			return
		}
		for _, m := range moved {
			src.add(m, now)
		}
	}
	dlq := s.lookup(target)
	if dlq == nil {
		s.log.Warn("sqs redrive: dead-letter queue does not exist; messages stay in the source queue",
			"queue", src.arn, "deadLetterTargetArn", target.arn())
		putBack()
		return
	}
	now := s.now()
	var ops []store.Op
	copies := make([]*message, len(moved))
	for i, m := range moved {
		c := *m
		c.seq = dlq.seq.Add(1)
		c.dlqSource = src.arn
		c.visibleAt = now
		c.index = -1
		copies[i] = &c
		ops = append(ops, src.delMessage(m)...)
		ops = append(ops, dlq.putMessage(&c), dlq.putState(&c))
	}
	ops = append(ops, dlq.countOp(int64(len(copies))))
	if err := s.st.Write(ops...); err != nil {
		s.log.Error("sqs redrive: store write failed; messages stay in the source queue", "queue", src.arn, "err", err)
		putBack()
		return
	}
	dlq.mu.Lock()
	defer dlq.mu.Unlock()
	if dlq.deleted {
		return // written to the dropped queue's buckets, removed on load
	}
	for _, c := range copies {
		dlq.add(c, now)
	}
}
