package sqs

import (
	"container/heap"
	"encoding/base64"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// message is one message in a queue. Immutable fields are set at send;
// the receive state is guarded by the owning queue's mutex.
type message struct {
	id        string
	seq       uint64
	body      string
	attrs     map[string]service.MessageAttribute
	md5Body   string
	md5Attrs  string
	sentAt    time.Time
	senderID  string
	trace     string // AWSTraceHeader system attribute
	groupID   string // MessageGroupId (fair queues)
	dlqSource string // ARN of the queue it was redriven from
	// completer names the function (Service.SetBodyCompleter) that
	// finishes the body when the message is first received; "" when the
	// body is final.
	completer string

	receiveCount int
	firstReceive time.Time
	visibleAt    time.Time
	receipt      string // nonce of the latest receipt handle
	index        int    // position in the queue's heap; -1 when not in it
}

// inFlight reports whether the message was received and its visibility
// timeout has not yet run out.
func (m *message) inFlight(now time.Time) bool {
	return m.receiveCount > 0 && m.visibleAt.After(now)
}

// msgHeap orders messages by when they become visible, then by send order,
// so a receive takes the oldest visible messages first in O(log n).
type msgHeap []*message

func (h msgHeap) Len() int { return len(h) }
func (h msgHeap) Less(i, j int) bool {
	if !h[i].visibleAt.Equal(h[j].visibleAt) {
		return h[i].visibleAt.Before(h[j].visibleAt)
	}
	return h[i].seq < h[j].seq
}
func (h msgHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *msgHeap) Push(x any) {
	m := x.(*message)
	m.index = len(*h)
	*h = append(*h, m)
}
func (h *msgHeap) Pop() any {
	old := *h
	n := len(old)
	m := old[n-1]
	old[n-1] = nil
	m.index = -1
	*h = old[:n-1]
	return m
}

var _ heap.Interface = (*msgHeap)(nil)

// Receipt handles look like AWS's (an opaque base64 string starting with
// AQEB) and carry what the emulator needs to find the message again: the
// queue incarnation, the message id and the nonce of that receive.
const receiptPrefix = "AQEB"

func encodeReceipt(queueID, msgID, nonce string) string {
	return receiptPrefix + base64.StdEncoding.EncodeToString([]byte(queueID+"\x00"+msgID+"\x00"+nonce))
}

func decodeReceipt(handle string) (queueID, msgID, nonce string, ok bool) {
	rest, found := strings.CutPrefix(handle, receiptPrefix)
	if !found {
		return "", "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", "", "", false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}
