package sns

import (
	"net/url"
	"slices"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// resourceARN validates ResourceArn: topics are the taggable resources.
func resourceARN(call *service.Call, form url.Values) (string, error) {
	arn := form.Get("ResourceArn")
	if arn == "" {
		return "", errMissing("ResourceArn")
	}
	if !isLocalTopicARN(call, arn) {
		return "", errInvalidParameter("Invalid parameter: ResourceArn")
	}
	return arn, nil
}

func (s *Service) tagResource(call *service.Call, form url.Values) (any, error) {
	arn, err := resourceARN(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	tags, given, err := parseTags(form)
	if err != nil {
		return nil, err
	}
	if !given {
		return nil, errMissing("Tags")
	}
	return s.changeTags(arn, func(old []tag) ([]tag, error) {
		merged := mergeTags(old, tags)
		if len(merged) > 50 {
			return nil, errTagLimit()
		}
		return merged, nil
	})
}

func (s *Service) untagResource(call *service.Call, form url.Values) (any, error) {
	arn, err := resourceARN(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	keys := formList(form, "TagKeys")
	if len(keys) == 0 {
		return nil, errMissing("TagKeys")
	}
	return s.changeTags(arn, func(old []tag) ([]tag, error) {
		return slices.DeleteFunc(slices.Clone(old), func(t tag) bool { return slices.Contains(keys, t.Key) }), nil
	})
}

type emptyResult struct{}

// changeTags stores the topic with its tags changed, then shows it.
func (s *Service) changeTags(arn string, change func([]tag) ([]tag, error)) (any, error) {
	s.ddl.Lock()
	defer s.ddl.Unlock()
	t := s.topics[arn]
	if t == nil {
		return nil, errResourceNotFound()
	}
	tags, err := change(t.tags)
	if err != nil {
		return nil, err
	}
	updated := *t
	updated.tags = tags
	if err := s.st.Write(updated.put()); err != nil {
		return nil, internal("tag topic %s: %w", arn, err)
	}
	s.mu.Lock()
	s.topics[arn] = &updated
	s.mu.Unlock()
	return emptyResult{}, nil
}

type listTagsResult struct {
	Tags []tag `xml:"Tags>member"`
}

func (s *Service) listTagsForResource(call *service.Call, form url.Values) (any, error) {
	arn, err := resourceARN(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	s.mu.RLock()
	t := s.topics[arn]
	s.mu.RUnlock()
	if t == nil {
		return nil, errResourceNotFound()
	}
	return listTagsResult{Tags: slices.Clone(t.tags)}, nil
}
