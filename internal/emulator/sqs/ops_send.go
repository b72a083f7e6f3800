package sqs

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// sendEntry is what SendMessage and each SendMessageBatch entry carry.
type sendEntry struct {
	Id                      string                    `json:"Id"`
	MessageBody             *string                   `json:"MessageBody"`
	DelaySeconds            *int                      `json:"DelaySeconds"`
	MessageAttributes       map[string]attributeValue `json:"MessageAttributes"`
	MessageSystemAttributes map[string]attributeValue `json:"MessageSystemAttributes"`
	MessageDeduplicationId  *string                   `json:"MessageDeduplicationId"`
	MessageGroupId          *string                   `json:"MessageGroupId"`
}

type sendMessageInput struct {
	QueueUrl string `json:"QueueUrl"`
	sendEntry
}

type sendResult struct {
	Id                           string `json:"Id,omitempty"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	MessageId                    string `json:"MessageId"`
}

func resultOf(m *message) sendResult {
	return sendResult{
		MD5OfMessageBody: m.md5Body, MD5OfMessageAttributes: m.md5Attrs,
		MD5OfMessageSystemAttributes: md5OfSystemAttributes(m.trace), MessageId: m.id,
	}
}

func (s *Service) sendMessage(call *service.Call, body []byte) (any, error) {
	var in sendMessageInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	cfg, err := q.config()
	if err != nil {
		return nil, err
	}
	m, _, err := buildMessage(cfg, in.sendEntry, senderID(call), s.now())
	if err != nil {
		return nil, err
	}
	res := resultOf(m)
	withTraceHeader(call, m)
	m.seq = q.seq.Add(1)
	if err := s.enqueue(q, m); err != nil {
		return nil, err
	}
	return res, nil
}

// withTraceHeader gives a message without an AWSTraceHeader system
// attribute the request's X-Amzn-Trace-Id, as SQS does for X-Ray
// (https://docs.aws.amazon.com/xray/latest/devguide/xray-services-sqs.html).
// Only a system attribute sent in the request is covered by the answer's
// MD5OfMessageSystemAttributes, so this runs after that is computed.
func withTraceHeader(call *service.Call, m *message) {
	if m.trace == "" {
		m.trace = call.TraceHeader
	}
}

type sendMessageBatchInput struct {
	QueueUrl string      `json:"QueueUrl"`
	Entries  []sendEntry `json:"Entries"`
}

type sendMessageBatchOutput struct {
	// AWS leaves out a list that has no entries, though the model marks
	// both required.
	Successful []sendResult `json:"Successful,omitempty"`
	Failed     []batchError `json:"Failed,omitempty"`
}

func (s *Service) sendMessageBatch(call *service.Call, body []byte) (any, error) {
	var in sendMessageBatchInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "sqs:SendMessage")
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	if err := checkBatchIDs("SendMessage", ids); err != nil {
		return nil, err
	}
	total := 0
	for _, e := range in.Entries {
		if e.MessageBody != nil {
			total += len(*e.MessageBody)
		}
		for name, a := range e.MessageAttributes {
			total += len(name) + len(a.DataType) + len(a.BinaryValue)
			if a.StringValue != nil {
				total += len(*a.StringValue)
			}
		}
	}
	if total > maxMessageSizeLimit {
		return nil, errBatchTooLong(total)
	}
	cfg, err := q.config()
	if err != nil {
		return nil, err
	}
	var out sendMessageBatchOutput
	var ms []*message
	var results []sendResult
	now := s.now()
	for _, e := range in.Entries {
		m, _, err := buildMessage(cfg, e, senderID(call), now)
		if err != nil {
			out.Failed = append(out.Failed, batchErrorOf(e.Id, service.AsError(err)))
			continue
		}
		r := resultOf(m)
		r.Id = e.Id
		results = append(results, r)
		withTraceHeader(call, m)
		m.seq = q.seq.Add(1)
		ms = append(ms, m)
	}
	if err := s.enqueue(q, ms...); err != nil {
		return nil, err
	}
	out.Successful = results
	return out, nil
}

// checkBatchIDs applies the batch rules every *Batch operation shares.
func checkBatchIDs(kind string, ids []string) error {
	if len(ids) == 0 {
		return errEmptyBatch(kind)
	}
	if len(ids) > maxBatchEntries {
		return errTooManyEntries(len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !validBatchID(id) {
			return errInvalidBatchEntryID()
		}
		if seen[id] {
			return errBatchIDsNotDistinct(id)
		}
		seen[id] = true
	}
	return nil
}

// config snapshots what a send needs from the queue.
func (q *queue) config() (queueConfig, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return queueConfig{}, errQueueDoesNotExist()
	}
	return q.cfg, nil
}

// buildMessage validates one message as SendMessage does and returns it
// (without a sequence number) and its size.
func buildMessage(cfg queueConfig, e sendEntry, sender string, now time.Time) (*message, int, error) {
	if e.MessageBody == nil || *e.MessageBody == "" {
		return nil, 0, errMissing("MessageBody")
	}
	body := *e.MessageBody
	if bad, ok := firstInvalidRune(body); !ok {
		return nil, 0, sqsError(400, "InvalidMessageContents", "",
			"Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", bad)
	}
	delay := cfg.delay
	if e.DelaySeconds != nil {
		if *e.DelaySeconds < 0 || *e.DelaySeconds > maxDelaySeconds {
			return nil, 0, errInvalidParameter("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= %d.", *e.DelaySeconds, maxDelaySeconds)
		}
		delay = time.Duration(*e.DelaySeconds) * time.Second
	}
	// Standard queues take a MessageGroupId since fair queues (2025); it
	// is held to the FIFO rules: 1 to 128 alphanumeric and punctuation
	// characters (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
	if e.MessageGroupId != nil && !validGroupID(*e.MessageGroupId) {
		return nil, 0, errInvalidParameter("Value %s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *e.MessageGroupId)
	}
	if e.MessageDeduplicationId != nil {
		return nil, 0, errInvalidParameter("Value %s for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.", *e.MessageDeduplicationId)
	}
	attrs, attrSize, err := validateAttributes(e.MessageAttributes)
	if err != nil {
		return nil, 0, err
	}
	trace, err := traceHeader(e.MessageSystemAttributes)
	if err != nil {
		return nil, 0, err
	}
	size := len(body) + attrSize
	if size > cfg.maxSize {
		return nil, 0, errInvalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", cfg.maxSize)
	}
	group := ""
	if e.MessageGroupId != nil {
		group = *e.MessageGroupId
	}
	return &message{
		id: service.UUID(), body: body, attrs: attrs, groupID: group,
		md5Body: md5Hex(body), md5Attrs: md5OfAttributes(attrs),
		sentAt: now, visibleAt: now.Add(delay), senderID: sender, trace: trace, index: -1,
	}, size, nil
}

// traceHeader accepts the only system attribute a sender may set.
func traceHeader(in map[string]attributeValue) (string, error) {
	trace := ""
	for name, v := range in {
		if name != "AWSTraceHeader" {
			return "", errInvalidParameter("Message system attribute name '%s' is invalid.", name)
		}
		if v.DataType != "String" || v.StringValue == nil || *v.StringValue == "" {
			return "", errInvalidParameter("Message system attribute '%s' must be of type String with a non-empty value.", name)
		}
		trace = *v.StringValue
	}
	return trace, nil
}

func firstInvalidRune(s string) (rune, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !allowedRune(r) {
			return r, false
		}
		i += size
	}
	return 0, true
}

// enqueue makes messages durable and only then receivable: a message a
// receiver could see (and delete) before its own write landed could come
// back after a restart.
func (s *Service) enqueue(q *queue, ms ...*message) error {
	if len(ms) == 0 {
		return nil
	}
	ops := make([]store.Op, len(ms), len(ms)+1)
	for i, m := range ms {
		ops[i] = q.putMessage(m)
	}
	ops = append(ops, q.countOp(int64(len(ms))))
	if err := s.st.Write(ops...); err != nil {
		return service.Internal(fmt.Errorf("store message for queue %s: %w", q.key.Name, err))
	}
	now := s.now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		// Its write went to the dropped queue's buckets, removed on load.
		return errQueueDoesNotExist()
	}
	for _, m := range ms {
		q.add(m, now)
	}
	return nil
}

// validGroupID: 1 to 128 characters from a-z, A-Z, 0-9 and the ASCII
// punctuation !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~.
func validGroupID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}
