package dynamodb

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const maxTags = 50

func validateTags(tags []tag) error {
	var errs validationErrors
	for i, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
			c := "Member must have length less than or equal to 128"
			if n < 1 {
				c = "Member must have length greater than or equal to 1"
			}
			errs = append(errs, violation{fmt.Sprintf("tags.%d.member.key", i+1), quoted(t.Key), c})
		}
		if utf8.RuneCountInString(t.Value) > 256 {
			errs = append(errs, violation{fmt.Sprintf("tags.%d.member.value", i+1), quoted(t.Value), "Member must have length less than or equal to 256"})
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	if len(tags) > maxTags {
		return service.Validation("One or more parameter values were invalid: The number of tags exceeds the limit of %d", maxTags)
	}
	return nil
}

// taggedTable resolves a ResourceArn to a table after authorizing the
// operation on it.
func (s *Service) taggedTable(call *service.Call, arn *string) (*table, error) {
	if arn == nil {
		return nil, validationErrors{{"resourceArn", "null", "Member must not be null"}}.err()
	}
	region, account, name, ok := parseTableARN(*arn)
	if !ok {
		return nil, service.Validation("Invalid TableArn: Invalid ResourceArn provided as input %s", *arn)
	}
	if err := call.Authorize(*arn); err != nil {
		return nil, err
	}
	if region != call.Region || account != call.Account {
		return nil, service.Errorf(400, "ResourceNotFoundException", "Requested resource not found: ResourcArn: %s not found", *arn)
	}
	t, err := s.lookup(region, name)
	if err != nil {
		return nil, service.Errorf(400, "ResourceNotFoundException", "Requested resource not found: ResourcArn: %s not found", *arn)
	}
	return t, nil
}

type tagResourceInput struct {
	ResourceArn *string `json:"ResourceArn"`
	Tags        []tag   `json:"Tags"`
}

func (s *Service) tagResource(call *service.Call, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Tags == nil {
		return nil, validationErrors{{"tags", "null", "Member must not be null"}}.err()
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	t, err := s.taggedTable(call, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return nil, t.changeTags(call, s.opts.Realism, func(tags []tag) ([]tag, error) {
		for _, nt := range in.Tags {
			replaced := false
			for i := range tags {
				if tags[i].Key == nt.Key {
					tags[i].Value, replaced = nt.Value, true
				}
			}
			if !replaced {
				tags = append(tags, nt)
			}
		}
		if len(tags) > maxTags {
			return nil, service.Validation("One or more parameter values were invalid: The number of tags exceeds the limit of %d", maxTags)
		}
		return tags, nil
	})
}

type untagResourceInput struct {
	ResourceArn *string  `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

func (s *Service) untagResource(call *service.Call, body []byte) (any, error) {
	var in untagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.TagKeys == nil {
		return nil, validationErrors{{"tagKeys", "null", "Member must not be null"}}.err()
	}
	t, err := s.taggedTable(call, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	return nil, t.changeTags(call, s.opts.Realism, func(tags []tag) ([]tag, error) {
		out := tags[:0]
		for _, tg := range tags {
			if !drop[tg.Key] {
				out = append(out, tg)
			}
		}
		return out, nil
	})
}

// changeTags applies fn to a copy of the table's tags and persists them.
func (t *table) changeTags(call *service.Call, p *realism.Profile, fn func([]tag) ([]tag, error)) error {
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		return errResourceNotFound
	}
	tags, err := fn(append([]tag(nil), t.meta.Tags...))
	if err != nil {
		t.mu.Unlock()
		return err
	}
	t.tagsChangedLocked(p, call.Now, t.meta.Tags)
	t.meta.Tags = tags
	seq := t.log.append(store.Put(tablesBucket, t.key, marshalJSON(t.meta)))
	t.mu.Unlock()
	if err := t.log.wait(seq); err != nil {
		return errStore("save tags of "+t.name, err)
	}
	return nil
}

type listTagsInput struct {
	ResourceArn *string `json:"ResourceArn"`
	NextToken   *string `json:"NextToken"`
}

func (s *Service) listTagsOfResource(call *service.Call, body []byte) (any, error) {
	var in listTagsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, err := s.taggedTable(call, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	tags := t.visibleTagsLocked(call.Now)
	seq := t.log.observed()
	t.mu.RUnlock()
	if err := t.log.wait(seq); err != nil {
		return nil, errStore("list tags", err)
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	// All of a table's (at most 50) tags fit one page; a NextToken from an
	// earlier page starts after that key.
	if in.NextToken != nil {
		i := sort.Search(len(tags), func(i int) bool { return tags[i].Key > *in.NextToken })
		tags = tags[i:]
	}
	if tags == nil {
		tags = []tag{}
	}
	return map[string]any{"Tags": tags}, nil
}
