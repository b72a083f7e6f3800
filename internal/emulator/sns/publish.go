package sns

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
)

const (
	maxMessageBytes   = 262144 // Message plus attributes, per publish and per batch
	maxAttributes     = 10
	maxBatchEntries   = 10
	snsPrincipal      = "sns.amazonaws.com"
	timestampFormat   = "2006-01-02T15:04:05.000Z"
	defaultSigVersion = "1"
)

// outgoing is one validated message to publish.
type outgoing struct {
	id         string
	message    string
	perProto   map[string]string // MessageStructure=json: protocol -> message
	subject    string
	hasSubject bool
	attrs      map[string]service.MessageAttribute
	size       int
}

// messageFor is the text a protocol gets: with MessageStructure=json its
// own entry, else "default".
func (o *outgoing) messageFor(protocol string) string {
	if o.perProto == nil {
		return o.message
	}
	if m, ok := o.perProto[protocol]; ok {
		return m
	}
	return o.perProto["default"]
}

var subjectPattern = regexp.MustCompile(`^[!-~][ -~]{0,99}$`)

// parseMessage validates Message, Subject, MessageStructure and
// MessageAttributes of a Publish (or of one PublishBatch entry).
func parseMessage(v url.Values) (*outgoing, error) {
	o := &outgoing{message: v.Get("Message")}
	if o.message == "" {
		return nil, errInvalidParameter("Invalid parameter: Empty message")
	}
	if has(v, "Subject") {
		o.subject, o.hasSubject = v.Get("Subject"), true
		if !subjectPattern.MatchString(o.subject) {
			return nil, errInvalidParameter("Invalid parameter: Subject")
		}
	}
	switch v.Get("MessageStructure") {
	case "":
	case "json":
		var per map[string]any
		if err := json.Unmarshal([]byte(o.message), &per); err != nil || per == nil {
			return nil, errInvalidParameter("Invalid parameter: Message Structure - JSON message body failed to parse")
		}
		o.perProto = map[string]string{}
		for k, val := range per {
			s, ok := val.(string)
			if !ok {
				return nil, errInvalidParameter("Invalid parameter: Message Structure - JSON message body failed to parse")
			}
			o.perProto[k] = s
		}
		if _, ok := o.perProto["default"]; !ok {
			return nil, errInvalidParameter("Invalid parameter: Message Structure - No default entry in JSON message body")
		}
	default:
		return nil, errInvalidParameter("Invalid parameter: MessageStructure")
	}
	if has(v, "MessageDeduplicationId") {
		return nil, errInvalidParameter("Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
	}
	attrs, size, err := parseAttributes(v)
	if err != nil {
		return nil, err
	}
	o.attrs = attrs
	o.size = len(o.message) + size
	if o.size > maxMessageBytes {
		return nil, errInvalidParameter("Invalid parameter: Message too long")
	}
	return o, nil
}

var attributeNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

// parseAttributes reads and validates MessageAttributes.entry.N.{Name,
// Value.DataType, Value.StringValue, Value.BinaryValue}.
func parseAttributes(v url.Values) (map[string]service.MessageAttribute, int, error) {
	entries := indexed(v, "MessageAttributes.entry")
	if len(entries) == 0 {
		return nil, 0, nil
	}
	if len(entries) > maxAttributes {
		return nil, 0, errInvalidValue("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(entries), maxAttributes)
	}
	out := make(map[string]service.MessageAttribute, len(entries))
	size := 0
	for _, e := range entries {
		name := e.Get("Name")
		lower := strings.ToLower(name)
		if !attributeNamePattern.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return nil, 0, errInvalidValue("The message attribute name '%s' is invalid. Names may contain alphanumerics, '_', '-' and '.', must not start with AWS. or Amazon., and must not start, end or repeat periods.", name)
		}
		a := service.MessageAttribute{DataType: e.Get("Value.DataType"), StringValue: e.Get("Value.StringValue")}
		if a.DataType == "" {
			return nil, 0, errInvalidValue("The message attribute '%s' must contain non-empty message attribute type.", name)
		}
		base, custom, dotted := strings.Cut(a.DataType, ".")
		if (base != "String" && base != "Number" && base != "Binary") || (dotted && custom == "") {
			return nil, 0, errInvalidValue("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
		if base == "Binary" {
			raw := e.Get("Value.BinaryValue")
			b, err := base64.StdEncoding.DecodeString(raw)
			if err != nil {
				return nil, 0, errInvalidValue("The message attribute '%s' has a BinaryValue that is not valid base64.", name)
			}
			if len(b) == 0 {
				return nil, 0, errInvalidValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
			}
			a.BinaryValue, a.StringValue = b, ""
		} else {
			if a.StringValue == "" {
				return nil, 0, errInvalidValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
			}
			if base == "Number" && !validNumber(a.StringValue) {
				return nil, 0, errInvalidValue("Could not cast message attribute '%s' value to number.", name)
			}
			if a.DataType == "String.Array" && !validStringArray(a.StringValue) {
				return nil, 0, errInvalidValue("The message attribute '%s' with type 'String.Array' must contain a JSON array of strings, numbers, booleans or nulls.", name)
			}
		}
		out[name] = a
		size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return out, size, nil
}

var decimalPattern = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func validNumber(s string) bool {
	if !decimalPattern.MatchString(s) {
		return false
	}
	f, _, err := big.ParseFloat(s, 10, 128, big.ToNearestEven)
	return err == nil && !f.IsInf()
}

func validStringArray(s string) bool {
	var list []any
	if json.Unmarshal([]byte(s), &list) != nil {
		return false
	}
	for _, item := range list {
		switch item.(type) {
		case string, float64, bool, nil:
		default:
			return false
		}
	}
	return true
}

// publishTarget finds the topic a Publish names: TopicArn, or a topic in
// TargetArn. Mobile endpoints and SMS are not emulated.
func publishTarget(call *service.Call, form url.Values) (string, error) {
	if arn := form.Get("TopicArn"); arn != "" {
		return topicARNParam(call, form, "TopicArn")
	}
	if arn := form.Get("TargetArn"); arn != "" {
		if !isLocalTopicARN(call, arn) {
			return "", errInvalidParameter("Invalid parameter: TargetArn Reason: only topic ARNs are supported by the orders emulator")
		}
		return arn, nil
	}
	if form.Get("PhoneNumber") != "" {
		return "", errInvalidParameter("Invalid parameter: PhoneNumber Reason: SMS is not supported by the orders emulator")
	}
	return "", errInvalidParameter("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
}

type publishResult struct {
	MessageId string `xml:"MessageId"`
}

func (s *Service) publish(call *service.Call, form url.Values) (any, error) {
	arn, err := publishTarget(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.AuthorizeAction("sns:Publish", arn, nil); err != nil {
		return nil, err
	}
	msg, err := parseMessage(form)
	if err != nil {
		return nil, err
	}
	t, subs := s.snapshot(arn)
	if t == nil {
		return nil, errNotFound("Topic")
	}
	msg.id = service.UUID()
	s.deliver(call, t, subs, []*outgoing{msg})
	return publishResult{MessageId: msg.id}, nil
}

type batchSuccess struct {
	Id        string `xml:"Id"`
	MessageId string `xml:"MessageId"`
}

type batchFailure struct {
	Id          string `xml:"Id"`
	Code        string `xml:"Code"`
	Message     string `xml:"Message"`
	SenderFault bool   `xml:"SenderFault"`
}

// publishBatchResult leaves out a list that has no entries, as AWS's
// answer does (encoding/xml would write an empty <Failed></Failed> for a
// "Failed>member" slice, which SDKs read as an empty list).
type publishBatchResult struct {
	Successful *batchSuccesses `xml:"Successful,omitempty"`
	Failed     *batchFailures  `xml:"Failed,omitempty"`
}

type batchSuccesses struct {
	Members []batchSuccess `xml:"member"`
}

type batchFailures struct {
	Members []batchFailure `xml:"member"`
}

var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

const maxBatchIDLength = 80

func (s *Service) publishBatch(call *service.Call, form url.Values) (any, error) {
	arn, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	// PublishBatch is authorized as sns:Publish, as on AWS.
	if err := call.AuthorizeAction("sns:Publish", arn, nil); err != nil {
		return nil, err
	}
	entries := indexed(form, "PublishBatchRequestEntries.member")
	if len(entries) == 0 {
		return nil, service.Errorf(400, "EmptyBatchRequest", "The batch request doesn't contain any entries.")
	}
	if len(entries) > maxBatchEntries {
		return nil, service.Errorf(400, "TooManyEntriesInBatchRequest", "The batch request contains more entries than permissible.")
	}
	// Ids are checked as SNS checks them: all distinct first, then each
	// one's length and characters, naming the offending id.
	seen := map[string]bool{}
	total := 0
	for _, e := range entries {
		id := e.Get("Id")
		if seen[id] {
			return nil, service.Errorf(400, "BatchEntryIdsNotDistinct", "Two or more batch entries in the request have the same Id.")
		}
		seen[id] = true
		total += len(e.Get("Message"))
	}
	for _, e := range entries {
		id := e.Get("Id")
		if len(id) > maxBatchIDLength {
			return nil, service.Errorf(400, "InvalidBatchEntryId", "The Id of a batch entry in the batch request is too long: %s", id)
		}
		if !batchIDPattern.MatchString(id) {
			return nil, service.Errorf(400, "InvalidBatchEntryId", "The Id of a batch entry in the batch request contains an impermissible character: %s", id)
		}
	}
	if total > maxMessageBytes {
		return nil, service.Errorf(400, "BatchRequestTooLong", "The length of all the messages put together is more than the limit.")
	}
	t, subs := s.snapshot(arn)
	if t == nil {
		return nil, errNotFound("Topic")
	}
	var out publishBatchResult
	var msgs []*outgoing
	for _, e := range entries {
		msg, err := parseMessage(e)
		if err != nil {
			se := service.AsError(err)
			if out.Failed == nil {
				out.Failed = &batchFailures{}
			}
			out.Failed.Members = append(out.Failed.Members, batchFailure{Id: e.Get("Id"), Code: se.Code, Message: se.Message, SenderFault: se.Sender})
			continue
		}
		msg.id = service.UUID()
		msgs = append(msgs, msg)
		if out.Successful == nil {
			out.Successful = &batchSuccesses{}
		}
		out.Successful.Members = append(out.Successful.Members, batchSuccess{Id: e.Get("Id"), MessageId: msg.id})
	}
	s.deliver(call, t, subs, msgs)
	return out, nil
}

// snapshot reads a topic and its subscriptions (in creation order).
func (s *Service) snapshot(arn string) (*topic, []*subscription) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.topics[arn]
	if t == nil {
		return nil, nil
	}
	var subs []*subscription
	for _, sub := range s.subs {
		if sub.topicARN == arn {
			subs = append(subs, sub)
		}
	}
	slices.SortFunc(subs, func(a, b *subscription) int { return cmp.Compare(a.seq, b.seq) })
	return t, subs
}

// delivery is one message on its way to one subscription's queue.
type delivery struct {
	sub   *subscription
	msgID string
	body  string
	attrs map[string]service.MessageAttribute
	// completer is signatureCompleter for an envelope the queue signs at
	// its first receive.
	completer string
}

// deliver hands each message to every confirmed sqs subscription whose
// filter policy matches, before Publish answers. A delivery that fails
// (queue gone, policy denies) never fails the Publish: as on AWS it is
// dropped — or sent to the subscription's dead-letter queue — and logged.
func (s *Service) deliver(call *service.Call, t *topic, subs []*subscription, msgs []*outgoing) {
	if len(subs) == 0 || len(msgs) == 0 {
		return
	}
	timestamp := s.now().UTC().Format(timestampFormat)
	version := t.attrs["SignatureVersion"]
	if version == "" {
		version = defaultSigVersion
	}
	var jobs []delivery
	for _, msg := range msgs {
		var signed map[string]notification // per protocol text, signed once
		for _, sub := range subs {
			if !sub.confirmed {
				continue
			}
			if sub.protocol != "sqs" {
				s.log.Warn("sns delivery dropped", "topic", t.arn, "subscription", sub.arn, "messageId", msg.id,
					"reason", "the emulator delivers to sqs subscriptions only, not "+sub.protocol)
				continue
			}
			text := msg.messageFor(sub.protocol)
			if sub.filter != nil && !sub.filter.matches(msg.attrs, text) {
				continue // filtered out: not a failure
			}
			if sub.raw() {
				jobs = append(jobs, delivery{sub: sub, msgID: msg.id, body: text, attrs: msg.attrs})
				continue
			}
			n, ok := signed[text]
			if !ok {
				var err error
				n, err = s.notification(call, t, msg, text, timestamp, version)
				if err != nil {
					s.log.Warn("sns delivery dropped", "topic", t.arn, "subscription", sub.arn, "messageId", msg.id, "reason", err.Error())
					continue
				}
				if signed == nil {
					signed = map[string]notification{}
				}
				signed[text] = n
			}
			unsubscribe := strings.TrimRight(call.Endpoint, "/") + "/?Action=Unsubscribe&SubscriptionArn=" + sub.arn
			d := delivery{sub: sub, msgID: msg.id, body: envelope(n, unsubscribe)}
			if n.Signature == "" {
				d.completer = signatureCompleter
			}
			jobs = append(jobs, d)
		}
	}
	// Deliveries to different queues commit together in the store's group
	// commit instead of one after another.
	ctx := context.WithoutCancel(callContext(call))
	if len(jobs) == 1 {
		s.send(ctx, t, jobs[0])
		return
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.send(ctx, t, j)
		}()
	}
	wg.Wait()
}

// notification builds and signs the envelope fields shared by every non-raw
// delivery of one message.
func (s *Service) notification(call *service.Call, t *topic, msg *outgoing, text, timestamp, version string) (notification, error) {
	n := notification{
		MessageID: msg.id, TopicARN: t.arn, Subject: msg.subject, HasSubject: msg.hasSubject,
		Message: text, Timestamp: timestamp, SignatureVersion: version,
		SigningCertURL: strings.TrimRight(call.Endpoint, "/") + CertPath, Attributes: msg.attrs,
	}
	if s.signLater {
		return n, nil // signEnvelope fills Signature in when it is read
	}
	key, _, err := s.signer()
	if err != nil {
		return notification{}, err
	}
	if n.Signature, err = sign(key, version, stringToSign(n)); err != nil {
		return notification{}, err
	}
	return n, nil
}

func (s *Service) send(ctx context.Context, t *topic, d delivery) {
	if s.opts.Queues == nil {
		s.log.Warn("sns delivery dropped", "topic", t.arn, "subscription", d.sub.arn, "messageId", d.msgID, "reason", "no SQS service is wired to the emulator's SNS")
		return
	}
	err := s.sendToQueue(ctx, t, d.sub.endpoint, d)
	if err == nil {
		return
	}
	dlq := deadLetterTarget(d.sub)
	if dlq == "" {
		s.log.Warn("sns delivery dropped", "topic", t.arn, "subscription", d.sub.arn, "messageId", d.msgID, "reason", err.Error())
		return
	}
	if dlqErr := s.sendToQueue(ctx, t, dlq, d); dlqErr != nil {
		s.log.Warn("sns delivery dropped", "topic", t.arn, "subscription", d.sub.arn, "messageId", d.msgID,
			"reason", err.Error(), "deadLetterQueueError", dlqErr.Error())
		return
	}
	s.log.Warn("sns delivery failed; message sent to the subscription's dead-letter queue", "topic", t.arn,
		"subscription", d.sub.arn, "messageId", d.msgID, "reason", err.Error(), "deadLetterTargetArn", dlq)
}

// sendToQueue hands d to the queue queueARN, taking the realism profile's
// delivery time (drawn from its seeded source) to arrive.
func (s *Service) sendToQueue(ctx context.Context, t *topic, queueARN string, d delivery) error {
	if after := s.opts.Realism.Between(realism.SNSDeliveryMin, realism.SNSDeliveryMax); after > 0 {
		if dq, ok := s.opts.Queues.(DelayedQueueSink); ok {
			return dq.SendFromServiceAfter(ctx, after, t.region, t.account, queueARN, snsPrincipal, t.arn, d.body, d.attrs, d.completer)
		}
	}
	return s.opts.Queues.SendFromService(ctx, t.region, t.account, queueARN, snsPrincipal, t.arn, d.body, d.attrs, d.completer)
}

func deadLetterTarget(sub *subscription) string {
	rp := sub.attrs["RedrivePolicy"]
	if rp == "" {
		return ""
	}
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	_ = json.Unmarshal([]byte(rp), &p)
	return p.DeadLetterTargetArn
}

func callContext(call *service.Call) context.Context {
	if call.Context == nil {
		return context.Background()
	}
	return call.Context
}
