package sqs

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type queueURLOutput struct {
	QueueUrl string `json:"QueueUrl"`
}

type createQueueInput struct {
	QueueName  string            `json:"QueueName"`
	Attributes map[string]string `json:"Attributes"`
	Tags       map[string]string `json:"tags"` // lower-case in the model, unlike TagQueue's
}

func (s *Service) createQueue(call *service.Call, body []byte) (any, error) {
	var in createQueueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, errMissing("QueueName")
	}
	if !validQueueName(in.QueueName) {
		if strings.HasSuffix(in.QueueName, ".fifo") {
			return nil, errUnsupported("FIFO queues are not supported by the orders emulator.")
		}
		return nil, errInvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	key := queueKey{Region: call.Region, Account: call.Account, Name: in.QueueName}
	if err := call.Authorize(key.arn()); err != nil {
		return nil, err
	}
	// Tags on create need sqs:TagQueue too, as on AWS
	// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-abac-tagging-resource-control.html).
	if len(in.Tags) > 0 {
		if err := call.AuthorizeAction("sqs:TagQueue", key.arn(), nil); err != nil {
			return nil, err
		}
	}
	attrs, err := validateNewAttributes(in.Attributes)
	if err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.checkRedriveTarget(call, key, attrs[attrRedrivePolicy]); err != nil {
		return nil, err
	}

	s.ddl.Lock()
	defer s.ddl.Unlock()
	if q := s.lookup(key); q != nil {
		// Same name and same attributes is the same queue: CreateQueue is
		// idempotent. Only the attributes in the request are compared.
		q.mu.Lock()
		defer q.mu.Unlock()
		for _, name := range sortedKeys(attrs) {
			if !sameAttributeValue(name, attrs[name], q.attrs[name]) {
				return nil, errQueueNameExists(name)
			}
		}
		return queueURLOutput{QueueUrl: key.url(call.Endpoint)}, nil
	}
	now := s.now()
	s.mu.RLock()
	deletedAt, wasDeleted := s.deleted[key]
	s.mu.RUnlock()
	if wasDeleted && s.opts.DeletedCooldown > 0 && now.Sub(deletedAt) < s.opts.DeletedCooldown {
		return nil, errQueueDeletedRecently(s.opts.DeletedCooldown.String())
	}
	full := defaultAttributes()
	for name, value := range attrs {
		if value != "" {
			full[name] = value
		}
	}
	q := newQueue(s.st, key, service.RandomHex(8), full, maps.Clone(in.Tags), now)
	q.visibleAt = now.Add(s.opts.Realism.Delay(realism.SQSQueueCreate))
	if err := s.st.Write(q.putRecord(), store.Del(bucketDeleted, key.storeKey())); err != nil {
		return nil, service.Internal(fmt.Errorf("create queue %s: %w", key.Name, err))
	}
	s.mu.Lock()
	s.queues[key] = q
	delete(s.deleted, key)
	s.mu.Unlock()
	return queueURLOutput{QueueUrl: key.url(call.Endpoint)}, nil
}

// checkRedriveTarget refuses a RedrivePolicy whose dead-letter queue does
// not exist, as SQS does when the policy is set.
func (s *Service) checkRedriveTarget(call *service.Call, self queueKey, policy string) error {
	if policy == "" {
		return nil
	}
	rp, err := parseRedrivePolicy(policy)
	if err != nil {
		return err
	}
	if rp.target.Region != call.Region || s.lookup(rp.target) == nil {
		return errInvalidParameter("Value %s for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.", policy)
	}
	return nil
}

type getQueueURLInput struct {
	QueueName              string `json:"QueueName"`
	QueueOwnerAWSAccountId string `json:"QueueOwnerAWSAccountId"`
}

func (s *Service) getQueueURL(call *service.Call, body []byte) (any, error) {
	var in getQueueURLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.QueueName == "" {
		return nil, errMissing("QueueName")
	}
	account := call.Account
	if in.QueueOwnerAWSAccountId != "" {
		account = in.QueueOwnerAWSAccountId
	}
	key := queueKey{Region: call.Region, Account: account, Name: in.QueueName}
	if err := call.Authorize(key.arn()); err != nil {
		return nil, err
	}
	if !validQueueName(in.QueueName) {
		return nil, errQueueDoesNotExist()
	}
	now := s.now()
	if q := s.lookup(key); q == nil && !s.stillDeleting(key, now) || q != nil && !q.knownAt(now) {
		return nil, errQueueDoesNotExist()
	}
	return queueURLOutput{QueueUrl: key.url(call.Endpoint)}, nil
}

type getQueueAttributesInput struct {
	QueueUrl       string   `json:"QueueUrl"`
	AttributeNames []string `json:"AttributeNames"`
}

type attributesOutput struct {
	Attributes map[string]string `json:"Attributes,omitempty"`
}

func (s *Service) getQueueAttributes(call *service.Call, body []byte) (any, error) {
	var in getQueueAttributesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	for _, name := range in.AttributeNames {
		if !slices.Contains(readableAttributes, name) {
			return nil, errInvalidAttributeName(name)
		}
	}
	now := s.now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, errQueueDoesNotExist()
	}
	all := slices.Contains(in.AttributeNames, attrAll)
	want := func(name string) bool { return all || slices.Contains(in.AttributeNames, name) }
	out := map[string]string{}
	for name, value := range q.attrs {
		if value != "" && want(name) {
			out[name] = value
		}
	}
	if want(attrQueueArn) {
		out[attrQueueArn] = q.arn
	}
	if want(attrCreated) {
		out[attrCreated] = strconv.FormatInt(q.created.Unix(), 10)
	}
	if want(attrModified) {
		out[attrModified] = strconv.FormatInt(q.modified.Unix(), 10)
	}
	if want(attrApproxMessages) || want(attrApproxNotVisible) || want(attrApproxDelayed) {
		visible, notVisible, delayed := q.counts(now)
		if want(attrApproxMessages) {
			out[attrApproxMessages] = strconv.Itoa(visible)
		}
		if want(attrApproxNotVisible) {
			out[attrApproxNotVisible] = strconv.Itoa(notVisible)
		}
		if want(attrApproxDelayed) {
			out[attrApproxDelayed] = strconv.Itoa(delayed)
		}
	}
	return attributesOutput{Attributes: out}, nil
}

type setQueueAttributesInput struct {
	QueueUrl   string            `json:"QueueUrl"`
	Attributes map[string]string `json:"Attributes"`
}

func (s *Service) setQueueAttributes(call *service.Call, body []byte) (any, error) {
	var in setQueueAttributesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if len(in.Attributes) == 0 {
		return nil, errMissing("Attributes")
	}
	changes := map[string]string{}
	for _, name := range sortedKeys(in.Attributes) {
		v, err := normalizeAttribute(name, in.Attributes[name])
		if err != nil {
			return nil, err
		}
		changes[name] = v
	}
	if err := s.checkRedriveTarget(call, q.key, changes[attrRedrivePolicy]); err != nil {
		return nil, err
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	if _, ok := changes[attrPolicy]; ok && changes[attrPolicy] != q.attrs[attrPolicy] {
		q.policyChangedLocked(s.opts.Realism, s.now(), q.attrs[attrPolicy])
	}
	attrs := maps.Clone(q.attrs)
	for name, value := range changes {
		if value == "" {
			delete(attrs, name)
		} else {
			attrs[name] = value
		}
	}
	q.setAttributes(attrs)
	q.modified = s.now()
	op := q.putRecord()
	q.mu.Unlock()
	if err := s.st.Write(op); err != nil {
		return nil, service.Internal(fmt.Errorf("set attributes of queue %s: %w", q.key.Name, err))
	}
	return struct{}{}, nil
}

type queueURLInput struct {
	QueueUrl string `json:"QueueUrl"`
}

func (s *Service) deleteQueue(call *service.Call, body []byte) (any, error) {
	var in queueURLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	now := s.now()
	s.mu.Lock()
	if s.queues[q.key] != q {
		s.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	delete(s.queues, q.key)
	s.deleted[q.key] = now
	s.mu.Unlock()

	q.mu.Lock()
	q.deleted = true
	q.signal() // long polls on it return now
	q.mu.Unlock()

	err = s.st.Write(
		store.Del(bucketQueues, q.key.storeKey()),
		store.DropBucket(q.msgBucket),
		store.DropBucket(q.stateBucket),
		store.Del(countersBucket, q.msgBucket),
		store.Put(bucketDeleted, q.key.storeKey(), mustJSON(now.UnixNano())),
	)
	if err != nil {
		return nil, service.Internal(fmt.Errorf("delete queue %s: %w", q.key.Name, err))
	}
	return struct{}{}, nil
}

type listQueuesInput struct {
	QueueNamePrefix string `json:"QueueNamePrefix"`
	NextToken       string `json:"NextToken"`
	MaxResults      *int   `json:"MaxResults"`
}

type listQueuesOutput struct {
	QueueUrls []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:"NextToken,omitempty"`
}

func (s *Service) listQueues(call *service.Call, body []byte) (any, error) {
	var in listQueuesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := call.AuthorizeAction("sqs:ListQueues", "*", nil); err != nil {
		return nil, err
	}
	limit := defaultListQueuesSize
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, errInvalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	after := ""
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, errInvalidParameter("Invalid NextToken value.")
		}
		after = string(raw)
	}
	var names []string
	s.mu.RLock()
	for key := range s.queues {
		if key.Region == call.Region && key.Account == call.Account && strings.HasPrefix(key.Name, in.QueueNamePrefix) && key.Name > after {
			names = append(names, key.Name)
		}
	}
	s.mu.RUnlock()
	slices.Sort(names)
	out := listQueuesOutput{}
	if len(names) > limit {
		names = names[:limit]
		// A token only when the caller paginates, as SQS does.
		if in.MaxResults != nil {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(names[len(names)-1]))
		}
	}
	for _, name := range names {
		out.QueueUrls = append(out.QueueUrls, queueKey{Region: call.Region, Account: call.Account, Name: name}.url(call.Endpoint))
	}
	return out, nil
}

func (s *Service) purgeQueue(call *service.Call, body []byte) (any, error) {
	var in queueURLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	now := s.now()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	if s.opts.PurgeCooldown > 0 && !q.lastPurge.IsZero() && now.Sub(q.lastPurge) < s.opts.PurgeCooldown {
		q.mu.Unlock()
		return nil, errPurgeInProgress(q.arn, s.opts.PurgeCooldown.String())
	}
	// Delete exactly the messages purged, not the bucket: a send whose
	// write is in flight must keep its message in the store too.
	ops, err := q.purgeTail()
	if err != nil {
		q.mu.Unlock()
		return nil, service.Internal(fmt.Errorf("purge queue %s: %w", q.key.Name, err))
	}
	for _, m := range q.msgs {
		ops = append(ops, q.delMessage(m)...)
	}
	clear(q.msgs)
	q.ready = q.ready[:0]
	q.lastPurge = now
	ops = append(ops, q.putRecord())
	q.mu.Unlock()
	if err := s.st.Write(ops...); err != nil {
		return nil, service.Internal(fmt.Errorf("purge queue %s: %w", q.key.Name, err))
	}
	return struct{}{}, nil
}

type listDLQSourcesInput struct {
	QueueUrl   string `json:"QueueUrl"`
	NextToken  string `json:"NextToken"`
	MaxResults *int   `json:"MaxResults"`
}

type listDLQSourcesOutput struct {
	QueueUrls []string `json:"queueUrls"` // lower-case in the model
	NextToken string   `json:"NextToken,omitempty"`
}

func (s *Service) listDeadLetterSourceQueues(call *service.Call, body []byte) (any, error) {
	var in listDLQSourcesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	limit := defaultListQueuesSize
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, errInvalidParameter("Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	after := ""
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, errInvalidParameter("Invalid NextToken value.")
		}
		after = string(raw)
	}
	s.mu.RLock()
	candidates := make([]*queue, 0, len(s.queues))
	for _, src := range s.queues {
		candidates = append(candidates, src)
	}
	s.mu.RUnlock()
	var names []string
	for _, src := range candidates {
		src.mu.Lock()
		rp := src.cfg.redrive
		src.mu.Unlock()
		if rp != nil && rp.target == q.key && src.key.Name > after {
			names = append(names, src.key.Name)
		}
	}
	slices.Sort(names)
	out := listDLQSourcesOutput{QueueUrls: []string{}}
	if len(names) > limit {
		names = names[:limit]
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(names[len(names)-1]))
	}
	for _, name := range names {
		out.QueueUrls = append(out.QueueUrls, queueKey{Region: q.key.Region, Account: q.key.Account, Name: name}.url(call.Endpoint))
	}
	return out, nil
}
