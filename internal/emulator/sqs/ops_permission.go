package sqs

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// AddPermission and RemovePermission edit the queue's Policy attribute: a
// statement per label, as SQS writes it (Sid = the label, each account as
// arn:aws:iam::ACCOUNT:root, each action as SQS:Action, one value written
// as a string and several as a list), under Id QUEUEARN/SQSDefaultPolicy
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_AddPermission.html).

type addPermissionInput struct {
	QueueUrl      string   `json:"QueueUrl"`
	Label         *string  `json:"Label"`
	AWSAccountIds []string `json:"AWSAccountIds"`
	Actions       []string `json:"Actions"`
}

var labelPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// maxPermissionActions is the most actions one AddPermission may grant.
const maxPermissionActions = 7

// permissionActions are the actions a permission may name.
var permissionActions = []string{"*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
	"GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue", "ListQueueTags"}

func (s *Service) addPermission(call *service.Call, body []byte) (any, error) {
	var in addPermissionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if in.Label == nil {
		return nil, errMissing("Label")
	}
	if !labelPattern.MatchString(*in.Label) {
		return nil, errInvalidParameter("Value %s for parameter Label is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.", *in.Label)
	}
	if len(in.AWSAccountIds) == 0 {
		return nil, errMissing("AWSAccountId")
	}
	if len(in.Actions) == 0 {
		return nil, errMissing("ActionName")
	}
	if len(in.Actions) > maxPermissionActions {
		return nil, sqsError(403, "OverLimit", "", "%d Actions were found, maximum allowed is %d.", len(in.Actions), maxPermissionActions)
	}
	principals := make([]string, len(in.AWSAccountIds))
	for i, id := range in.AWSAccountIds {
		if !isAccountID(id) {
			return nil, errInvalidParameter("Value [%s] for parameter PrincipalId is invalid. Reason: Unable to verify.", id)
		}
		principals[i] = "arn:aws:iam::" + id + ":root"
	}
	actions := make([]string, len(in.Actions))
	for i, a := range in.Actions {
		if !slices.Contains(permissionActions, a) {
			return nil, errInvalidParameter("Value SQS:%s for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a list of valid actions.", a)
		}
		actions[i] = "SQS:" + a
	}
	return struct{}{}, s.editPolicy(q, func(p *service.PolicyDocument) error {
		if p.Id == "" && len(p.Statement) == 0 {
			p.Id = q.arn + "/SQSDefaultPolicy"
		}
		if p.HasStatement(*in.Label) {
			return errInvalidParameter("Value %s for parameter Label is invalid. Reason: Already exists.", *in.Label)
		}
		if err := p.AddPermission(*in.Label, principals, actions, q.arn); err != nil {
			return service.Internal(err)
		}
		return nil
	})
}

type removePermissionInput struct {
	QueueUrl string  `json:"QueueUrl"`
	Label    *string `json:"Label"`
}

func (s *Service) removePermission(call *service.Call, body []byte) (any, error) {
	var in removePermissionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if in.Label == nil {
		return nil, errMissing("Label")
	}
	return struct{}{}, s.editPolicy(q, func(p *service.PolicyDocument) error {
		if !p.RemoveStatements(*in.Label) {
			return errInvalidParameter("Value %s for parameter Label is invalid. Reason: can't find label on existing policy.", *in.Label)
		}
		return nil
	})
}

// editPolicy applies change to the queue's policy (an empty one if it has
// none) and stores the result; a policy left without statements is removed.
func (s *Service) editPolicy(q *queue, change func(*service.PolicyDocument) error) error {
	s.ddl.Lock()
	defer s.ddl.Unlock()
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return errQueueDoesNotExist()
	}
	// A policy AddPermission starts is written as SQS writes it, e.g.
	// {"Version":"2008-10-17","Id":"arn:aws:sqs:us-east-1:ACCT:q/SQSDefaultPolicy",
	// "Statement":[{"Sid":"label","Effect":"Allow","Principal":{"AWS":
	// "arn:aws:iam::ACCT:root"},"Action":"SQS:*","Resource":"arn:aws:sqs:us-east-1:ACCT:q"}]}.
	p, err := service.ParsePolicyDocument(q.attrs[attrPolicy], "2008-10-17")
	if err != nil {
		q.mu.Unlock()
		return service.Internal(fmt.Errorf("queue %s: %w", q.key.Name, err))
	}
	if err := change(&p); err != nil {
		q.mu.Unlock()
		return err
	}
	attrs := maps.Clone(q.attrs)
	if len(p.Statement) == 0 {
		delete(attrs, attrPolicy)
	} else {
		doc, err := json.Marshal(p)
		if err != nil {
			q.mu.Unlock()
			return service.Internal(err)
		}
		attrs[attrPolicy] = string(doc)
	}
	q.setAttributes(attrs)
	q.modified = s.now()
	op := q.putRecord()
	q.mu.Unlock()
	if err := s.st.Write(op); err != nil {
		return service.Internal(fmt.Errorf("change the policy of queue %s: %w", q.key.Name, err))
	}
	return nil
}
