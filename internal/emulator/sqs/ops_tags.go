package sqs

import (
	"fmt"
	"maps"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// validateTags applies SQS's tag limits: keys 1-128 and values 0-256
// characters, at most 50 per queue.
func validateTags(tags map[string]string) error {
	if len(tags) > maxQueueTags {
		return errInvalidParameter("Too many tags added for queue. Maximum number of tags per queue is %d.", maxQueueTags)
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			return errInvalidParameter("Tag keys must be between 1 and 128 characters in length.")
		}
		if utf8.RuneCountInString(v) > 256 {
			return errInvalidParameter("Tag values must be between 0 and 256 characters in length.")
		}
	}
	return nil
}

type tagQueueInput struct {
	QueueUrl string            `json:"QueueUrl"`
	Tags     map[string]string `json:"Tags"`
}

func (s *Service) tagQueue(call *service.Call, body []byte) (any, error) {
	var in tagQueueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, errMissing("Tags")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	return s.changeTags(q, func(tags map[string]string) error {
		maps.Copy(tags, in.Tags)
		return validateTags(tags)
	})
}

type untagQueueInput struct {
	QueueUrl string   `json:"QueueUrl"`
	TagKeys  []string `json:"TagKeys"`
}

func (s *Service) untagQueue(call *service.Call, body []byte) (any, error) {
	var in untagQueueInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, errMissing("TagKeys")
	}
	return s.changeTags(q, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// changeTags applies change to a copy of the queue's tags and stores the
// result before it becomes visible.
func (s *Service) changeTags(q *queue, change func(map[string]string) error) (any, error) {
	s.ddl.Lock()
	defer s.ddl.Unlock()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, errQueueDoesNotExist()
	}
	tags := maps.Clone(q.tags)
	if err := change(tags); err != nil {
		q.mu.Unlock()
		return nil, err
	}
	old := q.tags
	q.tags = tags
	op := q.putRecord()
	q.mu.Unlock()
	if err := s.st.Write(op); err != nil {
		q.mu.Lock()
		q.tags = old
		q.mu.Unlock()
		return nil, service.Internal(fmt.Errorf("tag queue %s: %w", q.key.Name, err))
	}
	return struct{}{}, nil
}

type listQueueTagsOutput struct {
	Tags map[string]string `json:"Tags,omitempty"`
}

func (s *Service) listQueueTags(call *service.Call, body []byte) (any, error) {
	var in queueURLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, errQueueDoesNotExist()
	}
	return listQueueTagsOutput{Tags: maps.Clone(q.tags)}, nil
}
