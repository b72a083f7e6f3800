package sns

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// topic is one topic. Its fields are replaced, never mutated in place, under
// Service.mu, so a Publish can keep what it read after unlocking.
type topic struct {
	arn, region, account, name string
	attrs                      map[string]string // set by the user
	tags                       []tag
	subsDeleted                int
	seq                        uint64
}

type tag struct {
	Key   string `xml:"Key" json:"key"`
	Value string `xml:"Value" json:"value"`
}

const pageSize = 100

var topicNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// parseTopicARN splits arn:aws:sns:REGION:ACCOUNT:NAME.
func parseTopicARN(arn string) (region, account, name string, ok bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sns" || parts[3] == "" || !isAccountID(parts[4]) || !topicNamePattern.MatchString(parts[5]) {
		return "", "", "", false
	}
	return parts[3], parts[4], parts[5], true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// topicARNParam validates the TopicArn parameter's shape (input, not
// state) so it can be authorized before anything is looked up.
func topicARNParam(call *service.Call, form url.Values, param string) (string, error) {
	arn := form.Get(param)
	if arn == "" {
		return "", errMissing(param)
	}
	if !isLocalTopicARN(call, arn) {
		return "", errInvalidParameter("Invalid parameter: %s", param)
	}
	return arn, nil
}

// isLocalTopicARN: a well-formed topic ARN of the region the request was
// made in (an SNS endpoint only knows its own region's topics).
func isLocalTopicARN(call *service.Call, arn string) bool {
	region, _, _, ok := parseTopicARN(arn)
	return ok && region == call.Region
}

// defaultPolicy is the policy AWS gives every new topic.
func defaultPolicy(arn, account string) string {
	return `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"` +
		arn + `","Condition":{"StringEquals":{"AWS:SourceOwner":"` + account + `"}}}]}`
}

const defaultEffectiveDeliveryPolicy = `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`

var feedbackAttribute = regexp.MustCompile(`^(Application|Firehose|HTTP|Lambda|SQS)(Success|Failure)Feedback(RoleArn|SampleRate)$`)

// normalizeTopicAttribute validates a settable topic attribute.
func normalizeTopicAttribute(name, value string) (string, error) {
	switch {
	case name == "DisplayName":
		if utf8.RuneCountInString(value) > 100 {
			return "", errInvalidParameter("Invalid parameter: DisplayName")
		}
	case name == "Policy" || name == "DeliveryPolicy" || name == "ArchivePolicy":
		if value != "" && !json.Valid([]byte(value)) {
			return "", errInvalidParameter("Invalid parameter: %s Error: the document is not valid JSON", name)
		}
	case name == "SignatureVersion":
		if value != "1" && value != "2" {
			return "", errInvalidParameter("Invalid parameter: SignatureVersion")
		}
	case name == "TracingConfig":
		if value != "PassThrough" && value != "Active" {
			return "", errInvalidParameter("Invalid parameter: TracingConfig")
		}
	case name == "KmsMasterKeyId":
	case feedbackAttribute.MatchString(name):
		if strings.HasSuffix(name, "SampleRate") {
			if n, err := strconv.Atoi(value); err != nil || n < 0 || n > 100 {
				return "", errInvalidParameter("Invalid parameter: %s", name)
			}
		}
	case name == "FifoTopic" || name == "ContentBasedDeduplication":
		return "", errInvalidParameter("Invalid parameter: %s Reason: FIFO topics are not supported by the orders emulator", name)
	default:
		return "", errInvalidParameter("Invalid parameter: AttributeName")
	}
	return value, nil
}

func parseTags(form url.Values) ([]tag, bool, error) {
	members := indexed(form, "Tags.member")
	if len(members) == 0 {
		return nil, false, nil
	}
	tags := make([]tag, 0, len(members))
	for _, m := range members {
		t := tag{Key: m.Get("Key"), Value: m.Get("Value")}
		if err := validateTag(t); err != nil {
			return nil, true, err
		}
		if slices.ContainsFunc(tags, func(x tag) bool { return x.Key == t.Key }) {
			return nil, true, errInvalidParameter("Invalid parameter: Duplicated keys are not allowed.")
		}
		tags = append(tags, t)
	}
	if len(tags) > 50 {
		return nil, true, errTagLimit()
	}
	return tags, true, nil
}

func validateTag(t tag) error {
	if n := utf8.RuneCountInString(t.Key); n < 1 || n > 128 {
		return errInvalidParameter("Invalid parameter: Tags Reason: tag key must be between 1 and 128 characters")
	}
	if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
		return errInvalidParameter("Invalid parameter: Tags Reason: tag keys must not start with aws:")
	}
	if utf8.RuneCountInString(t.Value) > 256 {
		return errInvalidParameter("Invalid parameter: Tags Reason: tag value must be at most 256 characters")
	}
	return nil
}

// mergeTags returns base with add applied: existing keys get the new
// value, new keys are appended.
func mergeTags(base, add []tag) []tag {
	out := slices.Clone(base)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(x tag) bool { return x.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	return out
}

type createTopicResult struct {
	TopicArn string `xml:"TopicArn"`
}

func (s *Service) createTopic(call *service.Call, form url.Values) (any, error) {
	name := form.Get("Name")
	if !topicNamePattern.MatchString(name) {
		if strings.HasSuffix(name, ".fifo") {
			return nil, errInvalidParameter("Invalid parameter: Topic Name Reason: FIFO topics are not supported by the orders emulator")
		}
		return nil, errInvalidParameter("Invalid parameter: Topic Name")
	}
	arn := call.ARN("sns", name)
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for k, v := range formMap(form, "Attributes") {
		if k == "FifoTopic" && strings.EqualFold(v, "false") {
			continue
		}
		nv, err := normalizeTopicAttribute(k, v)
		if err != nil {
			return nil, err
		}
		attrs[k] = nv
	}
	tags, tagsGiven, err := parseTags(form)
	if err != nil {
		return nil, err
	}
	// Tags on create need sns:TagResource too, as on AWS
	// (https://docs.aws.amazon.com/sns/latest/dg/sns-tags.html).
	if len(tags) > 0 {
		if err := call.AuthorizeAction("sns:TagResource", arn, nil); err != nil {
			return nil, err
		}
	}

	s.ddl.Lock()
	defer s.ddl.Unlock()
	if t := s.topics[arn]; t != nil {
		// CreateTopic is idempotent
		// (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html)
		// unless it asks for an attribute value the topic does not have, or
		// a tag the topic does not carry: tags it already carries, some or
		// all of them, are accepted.
		for k, v := range attrs {
			if t.attributeValue(k) != v {
				return nil, errInvalidParameter("Invalid parameter: Topic already exists with different attributes")
			}
		}
		if tagsGiven && !hasTags(t.tags, tags) {
			return nil, errInvalidParameter("Invalid parameter: Tags Reason: Topic already exists with different tags")
		}
		return createTopicResult{TopicArn: arn}, nil
	}
	t := &topic{arn: arn, region: call.Region, account: call.Account, name: name, attrs: attrs, tags: tags, seq: s.nextSeq()}
	if err := s.st.Write(t.put()); err != nil {
		return nil, internal("create topic %s: %w", name, err)
	}
	s.mu.Lock()
	s.topics[arn] = t
	s.mu.Unlock()
	return createTopicResult{TopicArn: arn}, nil
}

// hasTags reports whether every tag of want is among have.
func hasTags(have, want []tag) bool {
	for _, t := range want {
		if !slices.Contains(have, t) {
			return false
		}
	}
	return true
}

// attributeValue is what GetTopicAttributes reports for a settable
// attribute (the default policy when none was set).
func (t *topic) attributeValue(name string) string {
	if v, ok := t.attrs[name]; ok && (v != "" || name != "Policy") {
		return v
	}
	if name == "Policy" {
		return defaultPolicy(t.arn, t.account)
	}
	return ""
}

func (s *Service) deleteTopic(call *service.Call, form url.Values) (any, error) {
	arn, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	if s.topics[arn] == nil {
		return nil, nil // deleting a topic that does not exist is not an error
	}
	ops := []store.Op{store.Del(bucketTopics, arn)}
	var gone []string
	for _, sub := range s.subs {
		if sub.topicARN == arn {
			ops = append(ops, store.Del(bucketSubs, sub.arn))
			gone = append(gone, sub.arn)
		}
	}
	if err := s.st.Write(ops...); err != nil {
		return nil, internal("delete topic %s: %w", arn, err)
	}
	s.mu.Lock()
	delete(s.topics, arn)
	for _, a := range gone {
		delete(s.subs, a)
	}
	s.mu.Unlock()
	return nil, nil
}

type topicMember struct {
	TopicArn string `xml:"TopicArn"`
}

type listTopicsResult struct {
	Topics    []topicMember `xml:"Topics>member"`
	NextToken string        `xml:"NextToken,omitempty"`
}

func (s *Service) listTopics(call *service.Call, form url.Values) (any, error) {
	if err := call.AuthorizeAction("sns:ListTopics", "*", nil); err != nil {
		return nil, err
	}
	after, err := pageToken(form)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	var arns []string
	for arn, t := range s.topics {
		if t.region == call.Region && t.account == call.Account && arn > after {
			arns = append(arns, arn)
		}
	}
	s.mu.RUnlock()
	slices.Sort(arns)
	out := listTopicsResult{Topics: []topicMember{}}
	if len(arns) > pageSize {
		arns = arns[:pageSize]
		out.NextToken = nextToken(arns[len(arns)-1])
	}
	for _, arn := range arns {
		out.Topics = append(out.Topics, topicMember{TopicArn: arn})
	}
	return out, nil
}

// Page tokens are opaque to clients: the last key of the previous page.
func nextToken(last string) string { return base64.RawURLEncoding.EncodeToString([]byte(last)) }

func pageToken(form url.Values) (string, error) {
	tok := form.Get("NextToken")
	if tok == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", errInvalidParameter("Invalid parameter: NextToken")
	}
	return string(raw), nil
}

type entry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type attributesResult struct {
	Attributes []entry `xml:"Attributes>entry"`
}

func entries(m map[string]string) []entry {
	out := make([]entry, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, entry{Key: k, Value: m[k]})
	}
	return out
}

func (s *Service) getTopicAttributes(call *service.Call, form url.Values) (any, error) {
	arn, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.topics[arn]
	if t == nil {
		return nil, errNotFound("Topic")
	}
	confirmed, pending := 0, 0
	for _, sub := range s.subs {
		if sub.topicARN == arn {
			if sub.confirmed {
				confirmed++
			} else {
				pending++
			}
		}
	}
	attrs := map[string]string{
		"TopicArn":                t.arn,
		"Owner":                   t.account,
		"Policy":                  t.attributeValue("Policy"),
		"DisplayName":             t.attrs["DisplayName"],
		"SubscriptionsConfirmed":  strconv.Itoa(confirmed),
		"SubscriptionsPending":    strconv.Itoa(pending),
		"SubscriptionsDeleted":    strconv.Itoa(t.subsDeleted),
		"EffectiveDeliveryPolicy": defaultEffectiveDeliveryPolicy,
	}
	for k, v := range t.attrs {
		if k != "Policy" && v != "" {
			attrs[k] = v
		}
	}
	if dp := t.attrs["DeliveryPolicy"]; dp != "" {
		attrs["EffectiveDeliveryPolicy"] = dp
	}
	return attributesResult{Attributes: entries(attrs)}, nil
}

func (s *Service) setTopicAttributes(call *service.Call, form url.Values) (any, error) {
	arn, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	name := form.Get("AttributeName")
	if name == "" {
		return nil, errMissing("AttributeName")
	}
	value, err := normalizeTopicAttribute(name, form.Get("AttributeValue"))
	if err != nil {
		return nil, err
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	t := s.topics[arn]
	if t == nil {
		return nil, errNotFound("Topic")
	}
	updated := *t
	updated.attrs = maps.Clone(t.attrs)
	if value == "" {
		delete(updated.attrs, name) // an empty Policy is the default policy again
	} else {
		updated.attrs[name] = value
	}
	if err := s.st.Write(updated.put()); err != nil {
		return nil, internal("set attribute %s of topic %s: %w", name, arn, err)
	}
	s.mu.Lock()
	s.topics[arn] = &updated
	s.mu.Unlock()
	return nil, nil
}
