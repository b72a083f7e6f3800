package sqs

import (
	"net/url"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// queueKey identifies a queue: queues are per region and account.
type queueKey struct {
	Region, Account, Name string
}

// storeKey is the key of the queue's record in the store.
func (k queueKey) storeKey() string { return k.Region + "/" + k.Account + "/" + k.Name }

func (k queueKey) arn() string { return "arn:aws:sqs:" + k.Region + ":" + k.Account + ":" + k.Name }

// url is the queue URL as AWS shapes it, but pointing at the address the
// client reached the emulator at, so the URL works when handed back.
func (k queueKey) url(endpoint string) string {
	return strings.TrimRight(endpoint, "/") + "/" + k.Account + "/" + k.Name
}

// validQueueName reports whether name is a standard queue name: 1 to 80
// alphanumerics, hyphens and underscores (FIFO names add ".fifo").
func validQueueName(name string) bool {
	if name == "" || len(name) > 80 {
		return false
	}
	for _, r := range name {
		if !isIDChar(r) {
			return false
		}
	}
	return true
}

func isIDChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// validBatchID is the same rule AWS applies to batch entry ids.
func validBatchID(id string) bool { return validQueueName(id) }

// parseQueueURL finds account and name in a queue URL. Any scheme and host
// are accepted — clients may hold a URL built for another address of the
// same emulator — the path must be /ACCOUNT/NAME.
func parseQueueURL(call *service.Call, raw string) (queueKey, error) {
	if raw == "" {
		return queueKey{}, errMissing("QueueUrl")
	}
	// SQS takes a bare queue name where a QueueUrl is expected and finds
	// the caller's queue of that name, as its endpoints do for every
	// operation that names a queue.
	if !strings.Contains(raw, "/") {
		if !validQueueName(raw) {
			return queueKey{}, errInvalidAddress(raw)
		}
		return queueKey{Region: call.Region, Account: call.Account, Name: raw}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return queueKey{}, errInvalidAddress(raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || !isAccountID(parts[0]) || parts[1] == "" {
		return queueKey{}, errInvalidAddress(raw)
	}
	if !validQueueName(parts[1]) {
		// A well-formed URL naming something that cannot be a queue names
		// no queue at all.
		return queueKey{}, errQueueDoesNotExist()
	}
	return queueKey{Region: call.Region, Account: parts[0], Name: parts[1]}, nil
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

// parseQueueARN splits arn:aws:sqs:REGION:ACCOUNT:NAME.
func parseQueueARN(arn string) (queueKey, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "sqs" || parts[3] == "" || !isAccountID(parts[4]) || !validQueueName(parts[5]) {
		return queueKey{}, false
	}
	return queueKey{Region: parts[3], Account: parts[4], Name: parts[5]}, true
}
