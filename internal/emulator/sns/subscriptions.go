package sns

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// subscription is one subscription; like topics, replaced rather than
// mutated so Publish can use what it read after unlocking.
type subscription struct {
	arn, topicARN, protocol, endpoint, owner, principal string
	attrs                                               map[string]string
	confirmed                                           bool
	token                                               string // ConfirmSubscription's, while pending
	filter                                              *filterPolicy
	seq                                                 uint64
}

func (sub *subscription) raw() bool { return sub.attrs["RawMessageDelivery"] == "true" }

// Protocols SNS accepts. Subscriptions to the ones in confirmedAtOnce need
// no confirmation; the emulator delivers to sqs only (others are logged).
var (
	protocols       = []string{"sqs", "lambda", "http", "https", "email", "email-json", "sms", "application", "firehose"}
	confirmedAtOnce = []string{"sqs", "lambda", "sms", "application", "firehose"}
)

// validEndpoint checks the endpoint fits the protocol, with SNS's messages.
func validEndpoint(protocol, endpoint string) error {
	arnOf := func(service string) bool {
		parts := strings.Split(endpoint, ":")
		return len(parts) >= 6 && parts[0] == "arn" && parts[2] == service && parts[3] != "" && isAccountID(parts[4])
	}
	switch protocol {
	case "sqs":
		if !arnOf("sqs") || len(strings.Split(endpoint, ":")) != 6 {
			return errInvalidParameter("Invalid parameter: SQS endpoint ARN")
		}
	case "lambda":
		if !arnOf("lambda") {
			return errInvalidParameter("Invalid parameter: Lambda endpoint ARN")
		}
	case "firehose":
		if !arnOf("firehose") {
			return errInvalidParameter("Invalid parameter: Firehose endpoint ARN")
		}
	case "application":
		if !arnOf("sns") {
			return errInvalidParameter("Invalid parameter: Endpoint Reason: not a platform endpoint ARN")
		}
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return errInvalidParameter("Invalid parameter: Endpoint must match the specified protocol")
		}
	case "email", "email-json":
		if !strings.Contains(endpoint, "@") {
			return errInvalidParameter("Invalid parameter: Email address")
		}
	case "sms":
		if endpoint == "" {
			return errInvalidParameter("Invalid parameter: Endpoint")
		}
	}
	return nil
}

// normalizeSubscriptionAttribute validates a subscription attribute; scope
// is the FilterPolicyScope in force, for validating a FilterPolicy.
func normalizeSubscriptionAttribute(name, value, scope string) (string, error) {
	switch name {
	case "RawMessageDelivery":
		switch strings.ToLower(value) {
		case "true", "false":
			return strings.ToLower(value), nil
		}
		return "", errInvalidParameter("Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [%s]. Must be true or false.", value)
	case "FilterPolicyScope":
		if value != "MessageAttributes" && value != "MessageBody" {
			return "", errInvalidParameter("Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [%s]. Please use either MessageBody or MessageAttributes", value)
		}
	case "FilterPolicy":
		if value == "" {
			return "", nil
		}
		if _, err := parseFilterPolicy(value, scope); err != nil {
			return "", err
		}
	case "RedrivePolicy":
		if value == "" {
			return "", nil
		}
		var rp struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		}
		if json.Unmarshal([]byte(value), &rp) != nil || validEndpoint("sqs", rp.DeadLetterTargetArn) != nil {
			return "", errInvalidParameter("Invalid parameter: RedrivePolicy: deadLetterTargetArn is not a valid SQS queue ARN")
		}
	case "DeliveryPolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return "", errInvalidParameter("Invalid parameter: DeliveryPolicy")
		}
	case "SubscriptionRoleArn":
	default:
		return "", errInvalidParameter("Invalid parameter: Attributes Reason: Unknown attribute %s", name)
	}
	return value, nil
}

// validateSubscriptionAttributes checks a whole attribute map (Subscribe):
// the scope is known before the filter policy is parsed.
func validateSubscriptionAttributes(in map[string]string) (map[string]string, error) {
	scope := in["FilterPolicyScope"]
	if scope == "" {
		scope = "MessageAttributes"
	}
	out := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v, err := normalizeSubscriptionAttribute(k, in[k], scope)
		if err != nil {
			return nil, err
		}
		if v != "" {
			out[k] = v
		}
	}
	if out["FilterPolicy"] != "" && out["FilterPolicyScope"] == "" {
		out["FilterPolicyScope"] = "MessageAttributes"
	}
	return out, nil
}

// withFilter parses the subscription's filter policy (already validated).
func (sub *subscription) withFilter() *subscription {
	sub.filter = nil
	if fp := sub.attrs["FilterPolicy"]; fp != "" {
		sub.filter, _ = parseFilterPolicy(fp, sub.attrs["FilterPolicyScope"])
	}
	return sub
}

type subscribeResult struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
}

func (s *Service) subscribe(call *service.Call, form url.Values) (any, error) {
	topicARN, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(topicARN); err != nil {
		return nil, err
	}
	protocol, endpoint := form.Get("Protocol"), form.Get("Endpoint")
	if protocol == "" {
		return nil, errMissing("Protocol")
	}
	if !slices.Contains(protocols, protocol) {
		return nil, errInvalidParameter("Invalid parameter: Amazon SNS does not support this protocol string: %s", protocol)
	}
	if err := validEndpoint(protocol, endpoint); err != nil {
		return nil, err
	}
	attrs, err := validateSubscriptionAttributes(formMap(form, "Attributes"))
	if err != nil {
		return nil, err
	}
	returnARN := strings.EqualFold(form.Get("ReturnSubscriptionArn"), "true")

	s.ddl.Lock()
	defer s.ddl.Unlock()
	t := s.topics[topicARN]
	if t == nil {
		return nil, errNotFound("Topic")
	}
	for _, sub := range s.subs {
		if sub.topicARN == topicARN && sub.protocol == protocol && sub.endpoint == endpoint {
			// Subscribing the same endpoint again is the same subscription.
			for k, v := range attrs {
				if !sameSubscriptionAttribute(k, v, sub.attributeValue(k)) {
					return nil, errInvalidParameter("Invalid parameter: Attributes Reason: Subscription already exists with different attributes")
				}
			}
			return subscribeResult{SubscriptionArn: sub.visibleARN(returnARN)}, nil
		}
	}
	sub := (&subscription{
		arn: topicARN + ":" + service.UUID(), topicARN: topicARN, protocol: protocol, endpoint: endpoint,
		owner: call.Account, principal: call.Principal.ARN, attrs: attrs,
		confirmed: slices.Contains(confirmedAtOnce, protocol), seq: s.nextSeq(),
	}).withFilter()
	if !sub.confirmed {
		sub.token = service.RandomHex(64)
	}
	if err := s.st.Write(sub.put()); err != nil {
		return nil, internal("subscribe %s to %s: %w", endpoint, topicARN, err)
	}
	s.mu.Lock()
	s.subs[sub.arn] = sub
	s.mu.Unlock()
	if !sub.confirmed {
		s.requestConfirmation(call, t, sub)
	}
	return subscribeResult{SubscriptionArn: sub.visibleARN(returnARN)}, nil
}

// attributeValue is a settable attribute as the subscription has it,
// defaults included: RawMessageDelivery is false unless set, and a filter
// policy applies to MessageAttributes unless it says otherwise.
func (sub *subscription) attributeValue(name string) string {
	v := sub.attrs[name]
	if v == "" {
		switch {
		case name == "RawMessageDelivery":
			return "false"
		case name == "FilterPolicyScope" && sub.attrs["FilterPolicy"] != "":
			return "MessageAttributes"
		}
	}
	return v
}

// sameSubscriptionAttribute compares a requested attribute with the
// subscription's: JSON documents by content, not by spacing.
func sameSubscriptionAttribute(name, requested, has string) bool {
	if requested == has {
		return true
	}
	switch name {
	case "FilterPolicy", "RedrivePolicy", "DeliveryPolicy":
		var a, b any
		if json.Unmarshal([]byte(requested), &a) != nil || json.Unmarshal([]byte(has), &b) != nil {
			return false
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return string(ja) == string(jb)
	}
	return false
}

// visibleARN is what Subscribe and the list operations show: a pending
// subscription's ARN is not handed out unless asked for.
func (sub *subscription) visibleARN(returnARN bool) string {
	if !sub.confirmed && !returnARN {
		return "pending confirmation"
	}
	return sub.arn
}

// subscriptionTopic validates a SubscriptionArn (TOPICARN:ID) and returns
// its topic ARN, which is what the subscription operations authorize on.
func subscriptionTopic(call *service.Call, form url.Values) (subARN, topicARN string, err error) {
	subARN = form.Get("SubscriptionArn")
	if subARN == "" {
		return "", "", errMissing("SubscriptionArn")
	}
	i := strings.LastIndex(subARN, ":")
	if i < 0 || i == len(subARN)-1 {
		return "", "", errInvalidParameter("Invalid parameter: SubscriptionArn")
	}
	topicARN = subARN[:i]
	if !isLocalTopicARN(call, topicARN) {
		return "", "", errInvalidParameter("Invalid parameter: SubscriptionArn")
	}
	return subARN, topicARN, nil
}

func (s *Service) unsubscribe(call *service.Call, form url.Values) (any, error) {
	subARN, topicARN, err := subscriptionTopic(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(topicARN); err != nil {
		return nil, err
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	if s.subs[subARN] == nil {
		return nil, nil // unsubscribing twice is not an error on AWS
	}
	ops := []store.Op{store.Del(bucketSubs, subARN)}
	var updated *topic
	if t := s.topics[topicARN]; t != nil {
		c := *t
		c.subsDeleted++
		updated = &c
		ops = append(ops, updated.put())
	}
	if err := s.st.Write(ops...); err != nil {
		return nil, internal("unsubscribe %s: %w", subARN, err)
	}
	s.mu.Lock()
	delete(s.subs, subARN)
	if updated != nil {
		s.topics[topicARN] = updated
	}
	s.mu.Unlock()
	return nil, nil
}

type subscriptionMember struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
	Owner           string `xml:"Owner"`
	Protocol        string `xml:"Protocol"`
	Endpoint        string `xml:"Endpoint"`
	TopicArn        string `xml:"TopicArn"`
}

type listSubscriptionsResult struct {
	Subscriptions []subscriptionMember `xml:"Subscriptions>member"`
	NextToken     string               `xml:"NextToken,omitempty"`
}

func (s *Service) listSubscriptions(call *service.Call, form url.Values) (any, error) {
	if err := call.AuthorizeAction("sns:ListSubscriptions", "*", nil); err != nil {
		return nil, err
	}
	prefix := "arn:aws:sns:" + call.Region + ":" + call.Account + ":"
	return s.pageSubscriptions(form, func(sub *subscription) bool { return strings.HasPrefix(sub.topicARN, prefix) })
}

func (s *Service) listSubscriptionsByTopic(call *service.Call, form url.Values) (any, error) {
	topicARN, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(topicARN); err != nil {
		return nil, err
	}
	s.mu.RLock()
	exists := s.topics[topicARN] != nil
	s.mu.RUnlock()
	if !exists {
		return nil, errNotFound("Topic")
	}
	return s.pageSubscriptions(form, func(sub *subscription) bool { return sub.topicARN == topicARN })
}

// pageSubscriptions lists matching subscriptions in creation order, 100 a page.
func (s *Service) pageSubscriptions(form url.Values, match func(*subscription) bool) (any, error) {
	after, err := pageToken(form)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	var subs []*subscription
	for _, sub := range s.subs {
		if match(sub) {
			subs = append(subs, sub)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(subs, func(a, b *subscription) int { return strings.Compare(a.sortKey(), b.sortKey()) })
	if after != "" {
		i := slices.IndexFunc(subs, func(sub *subscription) bool { return sub.sortKey() > after })
		if i < 0 {
			i = len(subs)
		}
		subs = subs[i:]
	}
	out := listSubscriptionsResult{Subscriptions: []subscriptionMember{}}
	if len(subs) > pageSize {
		subs = subs[:pageSize]
		out.NextToken = nextToken(subs[len(subs)-1].sortKey())
	}
	for _, sub := range subs {
		arn := sub.arn
		if !sub.confirmed {
			arn = "PendingConfirmation"
		}
		out.Subscriptions = append(out.Subscriptions, subscriptionMember{
			SubscriptionArn: arn, Owner: sub.owner, Protocol: sub.protocol, Endpoint: sub.endpoint, TopicArn: sub.topicARN,
		})
	}
	return out, nil
}

// sortKey orders subscriptions by creation: zero-padded sequence.
func (sub *subscription) sortKey() string { return fmt.Sprintf("%020d", sub.seq) }

func (s *Service) getSubscriptionAttributes(call *service.Call, form url.Values) (any, error) {
	subARN, topicARN, err := subscriptionTopic(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(topicARN); err != nil {
		return nil, err
	}
	s.mu.RLock()
	sub := s.subs[subARN]
	s.mu.RUnlock()
	if sub == nil {
		return nil, errNotFound("Subscription")
	}
	attrs := map[string]string{
		"SubscriptionArn":              sub.arn,
		"TopicArn":                     sub.topicARN,
		"Owner":                        sub.owner,
		"Protocol":                     sub.protocol,
		"Endpoint":                     sub.endpoint,
		"PendingConfirmation":          boolString(!sub.confirmed),
		"ConfirmationWasAuthenticated": boolString(sub.confirmed),
		"RawMessageDelivery":           "false",
		"SubscriptionPrincipal":        sub.principal,
	}
	maps.Copy(attrs, sub.attrs)
	return attributesResult{Attributes: entries(attrs)}, nil
}

func (s *Service) setSubscriptionAttributes(call *service.Call, form url.Values) (any, error) {
	subARN, topicARN, err := subscriptionTopic(call, form)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(topicARN); err != nil {
		return nil, err
	}
	name := form.Get("AttributeName")
	if name == "" {
		return nil, errMissing("AttributeName")
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	sub := s.subs[subARN]
	if sub == nil {
		return nil, errNotFound("Subscription")
	}
	scope := sub.attrs["FilterPolicyScope"]
	if scope == "" {
		scope = "MessageAttributes"
	}
	value, err := normalizeSubscriptionAttribute(name, form.Get("AttributeValue"), scope)
	if err != nil {
		return nil, err
	}
	updated := *sub
	updated.attrs = maps.Clone(sub.attrs)
	if value == "" {
		delete(updated.attrs, name)
	} else {
		updated.attrs[name] = value
	}
	if name == "FilterPolicyScope" && updated.attrs["FilterPolicy"] != "" {
		// The policy in place must still make sense under the new scope.
		if _, err := parseFilterPolicy(updated.attrs["FilterPolicy"], value); err != nil {
			return nil, err
		}
	}
	if updated.attrs["FilterPolicy"] != "" && updated.attrs["FilterPolicyScope"] == "" {
		updated.attrs["FilterPolicyScope"] = "MessageAttributes"
	}
	updated.withFilter()
	if err := s.st.Write(updated.put()); err != nil {
		return nil, internal("set attribute %s of subscription %s: %w", name, subARN, err)
	}
	s.mu.Lock()
	s.subs[subARN] = &updated
	s.mu.Unlock()
	return nil, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
