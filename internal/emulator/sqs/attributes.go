package sqs

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Limits and defaults from the SQS API reference.
const (
	maxMessageSizeLimit   = 1048576 // bytes: MaximumMessageSize's ceiling and default
	maxBatchEntries       = 10
	maxVisibilityTimeout  = 43200
	maxDelaySeconds       = 900
	maxWaitTimeSeconds    = 20
	maxMessageAttributes  = 10
	defaultMaxReceive     = 10
	maxQueueTags          = 50
	defaultListQueuesSize = 1000
)

// Attribute names as the API spells them.
const (
	attrAll                  = "All"
	attrPolicy               = "Policy"
	attrVisibilityTimeout    = "VisibilityTimeout"
	attrMaximumMessageSize   = "MaximumMessageSize"
	attrRetention            = "MessageRetentionPeriod"
	attrDelaySeconds         = "DelaySeconds"
	attrWaitTime             = "ReceiveMessageWaitTimeSeconds"
	attrRedrivePolicy        = "RedrivePolicy"
	attrRedriveAllowPolicy   = "RedriveAllowPolicy"
	attrSSE                  = "SqsManagedSseEnabled"
	attrKmsKey               = "KmsMasterKeyId"
	attrKmsReuse             = "KmsDataKeyReusePeriodSeconds"
	attrQueueArn             = "QueueArn"
	attrCreated              = "CreatedTimestamp"
	attrModified             = "LastModifiedTimestamp"
	attrApproxMessages       = "ApproximateNumberOfMessages"
	attrApproxNotVisible     = "ApproximateNumberOfMessagesNotVisible"
	attrApproxDelayed        = "ApproximateNumberOfMessagesDelayed"
	attrFifoQueue            = "FifoQueue"
	attrContentDedup         = "ContentBasedDeduplication"
	attrDeduplicationScope   = "DeduplicationScope"
	attrFifoThroughputLimit  = "FifoThroughputLimit"
	defaultVisibilityTimeout = 30
	defaultRetention         = 345600
)

// defaultAttributes are what a queue created without attributes reports.
func defaultAttributes() map[string]string {
	return map[string]string{
		attrVisibilityTimeout:  strconv.Itoa(defaultVisibilityTimeout),
		attrMaximumMessageSize: strconv.Itoa(maxMessageSizeLimit),
		attrRetention:          strconv.Itoa(defaultRetention),
		attrDelaySeconds:       "0",
		attrWaitTime:           "0",
		attrSSE:                "true",
	}
}

// intRanges bound the numeric attributes.
var intRanges = map[string][2]int{
	attrVisibilityTimeout:  {0, maxVisibilityTimeout},
	attrMaximumMessageSize: {1024, maxMessageSizeLimit},
	attrRetention:          {60, 1209600},
	attrDelaySeconds:       {0, maxDelaySeconds},
	attrWaitTime:           {0, maxWaitTimeSeconds},
	attrKmsReuse:           {60, 86400},
}

// readableAttributes are the names GetQueueAttributes accepts.
var readableAttributes = []string{
	attrAll, attrPolicy, attrVisibilityTimeout, attrMaximumMessageSize, attrRetention, attrApproxMessages,
	attrApproxNotVisible, attrCreated, attrModified, attrQueueArn, attrApproxDelayed, attrDelaySeconds,
	attrWaitTime, attrRedrivePolicy, attrFifoQueue, attrContentDedup, attrKmsKey, attrKmsReuse,
	attrDeduplicationScope, attrFifoThroughputLimit, attrRedriveAllowPolicy, attrSSE,
}

// redrivePolicy is the parsed RedrivePolicy attribute.
type redrivePolicy struct {
	target          queueKey
	targetARN       string
	maxReceiveCount int
}

// normalizeAttribute validates one settable attribute and returns the value
// as the queue will report it. An empty value for Policy or RedrivePolicy
// removes it (returned as "").
func normalizeAttribute(name, value string) (string, error) {
	if r, ok := intRanges[name]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < r[0] || n > r[1] {
			return "", errInvalidAttributeValue(name)
		}
		return strconv.Itoa(n), nil
	}
	switch name {
	case attrPolicy:
		if value == "" {
			return "", nil
		}
		if !validPolicy(value) {
			return "", errInvalidAttributeValue(name)
		}
		return value, nil
	case attrRedrivePolicy:
		if value == "" {
			return "", nil
		}
		rp, err := parseRedrivePolicy(value)
		if err != nil {
			return "", err
		}
		return formatRedrivePolicy(rp), nil
	case attrRedriveAllowPolicy:
		if value == "" {
			return "", nil
		}
		var m map[string]any
		if json.Unmarshal([]byte(value), &m) != nil {
			return "", errInvalidAttributeValue(name)
		}
		switch m["redrivePermission"] {
		case "allowAll", "denyAll", "byQueue":
		default:
			return "", errInvalidAttributeValue(name)
		}
		return value, nil
	case attrSSE:
		switch strings.ToLower(value) {
		case "true", "false":
			return strings.ToLower(value), nil
		}
		return "", errInvalidAttributeValue(name)
	case attrKmsKey:
		return value, nil
	}
	// Read-only attributes (QueueArn, the counters), FIFO-only attributes
	// on a standard queue and unknown names are all "Unknown Attribute".
	return "", errInvalidAttributeName(name)
}

// validPolicy accepts a JSON object with a Statement, which is as far as
// SQS checks a queue policy's shape when it is set.
func validPolicy(doc string) bool {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return false
	}
	_, ok := m["Statement"]
	return ok
}

func parseRedrivePolicy(value string) (redrivePolicy, error) {
	invalid := func(reason string) error {
		return errInvalidParameter("Value %s for parameter RedrivePolicy is invalid. Reason: %s", value, reason)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(value)))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return redrivePolicy{}, invalid("Redrive policy is not a valid JSON map.")
	}
	var target string
	if v, ok := raw["deadLetterTargetArn"]; !ok || json.Unmarshal(v, &target) != nil {
		return redrivePolicy{}, invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	key, ok := parseQueueARN(target)
	if !ok {
		return redrivePolicy{}, invalid("Invalid deadLetterTargetArn.")
	}
	v, ok := raw["maxReceiveCount"]
	if !ok {
		return redrivePolicy{}, invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	// Both 5 and "5" are accepted, as AWS does.
	var n int
	var s string
	if json.Unmarshal(v, &n) != nil {
		if json.Unmarshal(v, &s) != nil {
			return redrivePolicy{}, invalid("Invalid value for maxReceiveCount: " + string(v) + ", valid values are from 1 to 1000 both inclusive.")
		}
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			return redrivePolicy{}, invalid("Invalid value for maxReceiveCount: " + s + ", valid values are from 1 to 1000 both inclusive.")
		}
	}
	if n < 1 || n > 1000 {
		return redrivePolicy{}, invalid("Invalid value for maxReceiveCount: " + strconv.Itoa(n) + ", valid values are from 1 to 1000 both inclusive.")
	}
	return redrivePolicy{target: key, targetARN: target, maxReceiveCount: n}, nil
}

func formatRedrivePolicy(rp redrivePolicy) string {
	b, _ := json.Marshal(struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}{rp.targetARN, rp.maxReceiveCount})
	return string(b)
}

// sameAttributeValue compares a requested attribute with the queue's for
// CreateQueue's idempotency: policies compare as JSON, not as text.
func sameAttributeValue(name, a, b string) bool {
	if a == b {
		return true
	}
	if name == attrPolicy || name == attrRedriveAllowPolicy {
		var x, y any
		if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
			return false
		}
		xb, _ := json.Marshal(x)
		yb, _ := json.Marshal(y)
		return bytes.Equal(xb, yb)
	}
	return false
}

// validateNewAttributes checks CreateQueue's attributes and returns them
// normalized. FIFO queues are refused: the emulator serves standard queues.
func validateNewAttributes(in map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(in))
	for _, name := range sortedKeys(in) {
		value := in[name]
		// FifoQueue=false on a standard queue is refused as an unknown
		// attribute, like every FIFO-only attribute: SQS accepts it only on
		// a .fifo name (https://github.com/aws/aws-sdk-php/issues/1331 shows
		// AWS's "Unknown Attribute FifoQueue.").
		if name == attrFifoQueue {
			if strings.EqualFold(value, "true") {
				return nil, errUnsupported("FIFO queues are not supported by the orders emulator.")
			}
			return nil, errInvalidAttributeName(name)
		}
		v, err := normalizeAttribute(name, value)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
