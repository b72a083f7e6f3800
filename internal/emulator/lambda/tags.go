package lambda

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// rawTaggableResource is the model's TaggableResource pattern, quoted
// verbatim in the ValidationException for a Resource that does not match.
const rawTaggableResource = `arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)`

var taggableResource = regexp.MustCompile("^(" + rawTaggableResource + ")$")

// taggedFunction resolves the Resource label of the tag operations: a
// function ARN without a qualifier.
func (s *Service) taggedFunction(call *service.Call, resource string) (*function, error) {
	var v violations
	if len(resource) > 256 {
		v.add("Value '%s' at 'resource' failed to satisfy constraint: Member must have length less than or equal to 256", resource)
	}
	if !taggableResource.MatchString(resource) {
		v.pattern("resource", resource, rawTaggableResource)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, err := parseFunctionRef(call.Operation, resource)
	if err != nil || !strings.Contains(resource, ":function:") {
		// A code-signing config, event source mapping or capacity
		// provider: none exist here.
		return nil, service.Errorf(404, "ResourceNotFoundException", "The resource you requested does not exist.")
	}
	if ref.Qualifier != "" {
		return nil, invalidParam("Tags on function aliases and versions are not supported. Please specify a function ARN.")
	}
	fn, _, err := s.lookup(call, resource)
	return fn, err
}

type tagsBody struct {
	Tags map[string]string `json:"Tags"`
}

func (s *Service) tagResource(call *service.Call, resource string, r *http.Request) (int, any, error) {
	var in tagsBody
	if err := readJSON(r, &in); err != nil {
		return 0, nil, err
	}
	fn, err := s.taggedFunction(call, resource)
	if err != nil {
		return 0, nil, err
	}
	if len(in.Tags) == 0 {
		return 0, nil, invalidParam("Tags must not be empty.")
	}
	if err := checkTags(in.Tags); err != nil {
		return 0, nil, err
	}
	return s.retag(fn, func(tags map[string]string) {
		for k, v := range in.Tags {
			tags[k] = v
		}
	})
}

func (s *Service) untagResource(call *service.Call, resource string, keys []string) (int, any, error) {
	fn, err := s.taggedFunction(call, resource)
	if err != nil {
		return 0, nil, err
	}
	if len(keys) == 0 {
		return 0, nil, service.Validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return s.retag(fn, func(tags map[string]string) {
		for _, k := range keys {
			delete(tags, k)
		}
	})
}

// retag changes a function's tags. Tags do not change the RevisionId and
// never restart instances.
func (s *Service) retag(fn *function, change func(map[string]string)) (int, any, error) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	cur := fn.rec.Load()
	if fn.deleted {
		return 0, nil, notFound(cur.arn())
	}
	rec := cur.clone()
	if rec.Tags == nil {
		rec.Tags = map[string]string{}
	}
	change(rec.Tags)
	if len(rec.Tags) > 50 {
		return 0, nil, invalidParam("Number of tags exceeds resource tag limit.")
	}
	if len(rec.Tags) == 0 {
		rec.Tags = nil
	}
	op, err := putRecord(rec)
	if err != nil {
		return 0, nil, service.Internal(err)
	}
	if err := s.st.Write(op); err != nil {
		return 0, nil, service.Internal(err)
	}
	fn.rec.Store(rec)
	return http.StatusNoContent, nil, nil
}

func (s *Service) listTags(call *service.Call, resource string) (int, any, error) {
	fn, err := s.taggedFunction(call, resource)
	if err != nil {
		return 0, nil, err
	}
	tags := cloneMap(fn.rec.Load().Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return http.StatusOK, tagsBody{Tags: tags}, nil
}
