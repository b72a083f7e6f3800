package logs

import (
	"maps"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Tags on log groups: the current API (TagResource & co. on the group's
// ARN) and the legacy one (TagLogGroup & co. on its name). Both are
// authorized on the group like its other group-level actions.

type tagResourceInput struct {
	ResourceArn string            `json:"resourceArn"`
	Tags        map[string]string `json:"tags"`
	TagKeys     []string          `json:"tagKeys"`
}

type tagsOutput struct {
	Tags map[string]string `json:"tags"`
}

// resourceGroup resolves a TagResource-style ARN to a group name.
func resourceGroup(arn string) (string, error) {
	if arn == "" {
		return "", invalidParameter("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	name, ok := groupFromARN(arn)
	if !ok {
		return "", invalidParameter("Invalid resourceArn %s: only log group ARNs (arn:aws:logs:REGION:ACCOUNT:log-group:NAME) can be tagged here", arn)
	}
	return name, nil
}

func (s *Service) tagGroup(call *service.Call, name string, add map[string]string, remove []string) error {
	if err := checkTags(add); err != nil {
		return err
	}
	return s.updateGroup(call.Region, call.Account, name, func(r *groupRecord) error {
		if r.Tags == nil {
			r.Tags = map[string]string{}
		}
		maps.Copy(r.Tags, add)
		for _, k := range remove {
			delete(r.Tags, k)
		}
		if len(r.Tags) > 50 {
			return service.Errorf(400, "TooManyTagsException", "A resource can have no more than 50 tags.")
		}
		return nil
	})
}

func (s *Service) groupTags(call *service.Call, name string) (tagsOutput, error) {
	g, release, err := s.useGroup(call.Region, call.Account, name)
	if err != nil {
		return tagsOutput{}, err
	}
	defer release()
	tags := maps.Clone(g.rec.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	return tagsOutput{Tags: tags}, nil
}

func (s *Service) tagResource(call *service.Call, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(taggingResource(call.Region, call.Account, name)); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, invalidParameter("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	return nil, s.tagGroup(call, name, in.Tags, nil)
}

func (s *Service) untagResource(call *service.Call, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(taggingResource(call.Region, call.Account, name)); err != nil {
		return nil, err
	}
	return nil, s.tagGroup(call, name, nil, in.TagKeys)
}

func (s *Service) listTagsForResource(call *service.Call, body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := resourceGroup(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(taggingResource(call.Region, call.Account, name)); err != nil {
		return nil, err
	}
	return s.groupTags(call, name)
}

// legacyTagInput decodes a legacy request (whose "tags" is a map for
// TagLogGroup and a list of keys for UntagLogGroup) and authorizes it.
func legacyTagInput[T any](call *service.Call, body []byte, in *T, groupName func(*T) string) error {
	if err := decode(body, in); err != nil {
		return err
	}
	name := groupName(in)
	if err := checkGroupName(name, "logGroupName"); err != nil {
		return err
	}
	return call.Authorize(groupResource(call.Region, call.Account, name))
}

type tagLogGroupInput struct {
	LogGroupName string            `json:"logGroupName"`
	Tags         map[string]string `json:"tags"`
}

type untagLogGroupInput struct {
	LogGroupName string   `json:"logGroupName"`
	Tags         []string `json:"tags"`
}

func (s *Service) tagLogGroup(call *service.Call, body []byte) (any, error) {
	var in tagLogGroupInput
	if err := legacyTagInput(call, body, &in, func(in *tagLogGroupInput) string { return in.LogGroupName }); err != nil {
		return nil, err
	}
	return nil, s.tagGroup(call, in.LogGroupName, in.Tags, nil)
}

func (s *Service) untagLogGroup(call *service.Call, body []byte) (any, error) {
	var in untagLogGroupInput
	if err := legacyTagInput(call, body, &in, func(in *untagLogGroupInput) string { return in.LogGroupName }); err != nil {
		return nil, err
	}
	return nil, s.tagGroup(call, in.LogGroupName, nil, in.Tags)
}

func (s *Service) listTagsLogGroup(call *service.Call, body []byte) (any, error) {
	var in groupNameInput
	if err := legacyTagInput(call, body, &in, func(in *groupNameInput) string { return in.LogGroupName }); err != nil {
		return nil, err
	}
	return s.groupTags(call, in.LogGroupName)
}
