package sns

import (
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// AddPermission and RemovePermission edit the topic's Policy attribute
// (the default policy until one is set): one statement per label, Sid =
// the label, each account as arn:aws:iam::ACCOUNT:root and each action as
// SNS:Action, a single value written as a string and several as a list
// (https://docs.aws.amazon.com/sns/latest/api/API_AddPermission.html).

// permissionActions are the actions a topic permission may grant.
var permissionActions = []string{"GetTopicAttributes", "SetTopicAttributes", "AddPermission", "RemovePermission",
	"DeleteTopic", "Subscribe", "ListSubscriptionsByTopic", "Publish", "Receive"}

var labelPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func (s *Service) addPermission(call *service.Call, form url.Values) (any, error) {
	arn, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	label := form.Get("Label")
	if label == "" {
		return nil, errMissing("Label")
	}
	if !labelPattern.MatchString(label) {
		return nil, errInvalidParameter("Invalid parameter: Label")
	}
	accounts := formList(form, "AWSAccountId")
	if len(accounts) == 0 {
		return nil, errMissing("AWSAccountId")
	}
	actions := formList(form, "ActionName")
	if len(actions) == 0 {
		return nil, errMissing("ActionName")
	}
	principals := make([]string, len(accounts))
	for i, a := range accounts {
		if !isAccountID(a) {
			return nil, errInvalidParameter("Invalid parameter: AWSAccountId")
		}
		principals[i] = "arn:aws:iam::" + a + ":root"
	}
	granted := make([]string, len(actions))
	for i, a := range actions {
		// Matched without regard to case and written as given: a recorded
		// AWS policy holds "SNS:publish" from ActionName=publish.
		if !slices.ContainsFunc(permissionActions, func(known string) bool { return strings.EqualFold(known, a) }) {
			return nil, errInvalidParameter("Invalid parameter: Policy statement action out of service scope!")
		}
		granted[i] = "SNS:" + a
	}
	return s.editTopicPolicy(arn, func(p *service.PolicyDocument) error {
		if p.HasStatement(label) {
			return errInvalidParameter("Invalid parameter: Statement already exists")
		}
		if err := p.AddPermission(label, principals, granted, arn); err != nil {
			return internal("topic %s: %w", arn, err)
		}
		return nil
	})
}

func (s *Service) removePermission(call *service.Call, form url.Values) (any, error) {
	arn, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	label := form.Get("Label")
	if label == "" {
		return nil, errMissing("Label")
	}
	// Removing a label the policy does not hold changes nothing and is
	// not an error.
	return s.editTopicPolicy(arn, func(p *service.PolicyDocument) error {
		p.RemoveStatements(label)
		return nil
	})
}

// editTopicPolicy applies change to the topic's policy and stores it.
func (s *Service) editTopicPolicy(arn string, change func(*service.PolicyDocument) error) (any, error) {
	s.ddl.Lock()
	defer s.ddl.Unlock()
	t := s.topics[arn]
	if t == nil {
		return nil, errNotFound("Topic")
	}
	p, err := service.ParsePolicyDocument(t.attributeValue("Policy"), "")
	if err != nil {
		return nil, internal("topic %s: %w", arn, err)
	}
	if err := change(&p); err != nil {
		return nil, err
	}
	if p.Statement == nil {
		p.Statement = []json.RawMessage{}
	}
	text, err := json.Marshal(p)
	if err != nil {
		return nil, internal("policy of topic %s: %w", arn, err)
	}
	updated := *t
	updated.attrs = maps.Clone(t.attrs)
	if updated.attrs == nil {
		updated.attrs = map[string]string{}
	}
	updated.attrs["Policy"] = string(text)
	if err := s.st.Write(updated.put()); err != nil {
		return nil, internal("store the policy of topic %s: %w", arn, err)
	}
	s.mu.Lock()
	s.topics[arn] = &updated
	s.mu.Unlock()
	return nil, nil
}
