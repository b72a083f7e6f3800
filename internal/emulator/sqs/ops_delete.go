package sqs

import (
	"container/heap"
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type deleteMessageInput struct {
	QueueUrl      string `json:"QueueUrl"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

func (s *Service) deleteMessage(call *service.Call, body []byte) (any, error) {
	var in deleteMessageInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, errMissing("ReceiptHandle")
	}
	ops, err := q.deleteByReceipt(in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	if err := s.st.Write(ops...); err != nil {
		return nil, service.Internal(fmt.Errorf("delete message from queue %s: %w", q.key.Name, err))
	}
	return struct{}{}, nil
}

// deleteByReceipt removes the message a receipt handle names and returns
// the store writes that make it stay deleted. A message already deleted is
// success, as in SQS.
func (q *queue) deleteByReceipt(handle string) ([]store.Op, error) {
	queueID, msgID, _, ok := decodeReceipt(handle)
	if !ok || queueID != q.id {
		return nil, errReceiptHandleInvalid(handle)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, errQueueDoesNotExist()
	}
	m := q.msgs[msgID]
	if m == nil {
		return nil, nil
	}
	q.remove(m)
	return q.delMessage(m), nil
}

type batchHandleEntry struct {
	Id                string `json:"Id"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int   `json:"VisibilityTimeout"`
}

type batchHandleInput struct {
	QueueUrl string             `json:"QueueUrl"`
	Entries  []batchHandleEntry `json:"Entries"`
}

type batchSuccess struct {
	Id string `json:"Id"`
}

type batchOutput struct {
	// Empty lists are left out, as AWS does.
	Successful []batchSuccess `json:"Successful,omitempty"`
	Failed     []batchError   `json:"Failed,omitempty"`
}

func (s *Service) deleteMessageBatch(call *service.Call, body []byte) (any, error) {
	return s.handleBatch(call, body, "DeleteMessage", func(q *queue, e batchHandleEntry) ([]store.Op, error) {
		if e.ReceiptHandle == "" {
			return nil, errMissing("ReceiptHandle")
		}
		return q.deleteByReceipt(e.ReceiptHandle)
	})
}

func (s *Service) changeMessageVisibilityBatch(call *service.Call, body []byte) (any, error) {
	return s.handleBatch(call, body, "ChangeMessageVisibility", func(q *queue, e batchHandleEntry) ([]store.Op, error) {
		if e.ReceiptHandle == "" {
			return nil, errMissing("ReceiptHandle")
		}
		if e.VisibilityTimeout == nil {
			return nil, errMissing("VisibilityTimeout")
		}
		return q.changeVisibility(e.ReceiptHandle, *e.VisibilityTimeout, s.now())
	})
}

// handleBatch runs one receipt-handle operation per entry; entries fail
// individually, and all their writes go to the store in one commit.
func (s *Service) handleBatch(call *service.Call, body []byte, action string, one func(*queue, batchHandleEntry) ([]store.Op, error)) (any, error) {
	var in batchHandleInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "sqs:"+action)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = e.Id
	}
	if err := checkBatchIDs(action, ids); err != nil {
		return nil, err
	}
	var out batchOutput
	var ops []store.Op
	for _, e := range in.Entries {
		entryOps, err := one(q, e)
		if err != nil {
			se := service.AsError(err)
			if se.Code == "QueueDoesNotExist" {
				return nil, se
			}
			out.Failed = append(out.Failed, batchErrorOf(e.Id, se))
			continue
		}
		ops = append(ops, entryOps...)
		out.Successful = append(out.Successful, batchSuccess{Id: e.Id})
	}
	if err := s.st.Write(ops...); err != nil {
		return nil, service.Internal(fmt.Errorf("%s batch on queue %s: %w", action, q.key.Name, err))
	}
	return out, nil
}

type changeVisibilityInput struct {
	QueueUrl          string `json:"QueueUrl"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int   `json:"VisibilityTimeout"`
}

func (s *Service) changeMessageVisibility(call *service.Call, body []byte) (any, error) {
	var in changeVisibilityInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	q, err := s.queueForURL(call, in.QueueUrl, "")
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == "" {
		return nil, errMissing("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return nil, errMissing("VisibilityTimeout")
	}
	ops, err := q.changeVisibility(in.ReceiptHandle, *in.VisibilityTimeout, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.st.Write(ops...); err != nil {
		return nil, service.Internal(fmt.Errorf("change visibility on queue %s: %w", q.key.Name, err))
	}
	return struct{}{}, nil
}

// changeVisibility restarts the visibility timeout of an in-flight message
// at timeout seconds from now; 0 makes it visible at once.
func (q *queue) changeVisibility(handle string, timeout int, now time.Time) ([]store.Op, error) {
	if timeout < 0 || timeout > maxVisibilityTimeout {
		return nil, errInvalidParameter("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", timeout)
	}
	queueID, msgID, nonce, ok := decodeReceipt(handle)
	if !ok || queueID != q.id {
		return nil, errReceiptHandleInvalid(handle)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, errQueueDoesNotExist()
	}
	m := q.msgs[msgID]
	// A message whose visibility timeout ran out but that nobody received
	// again still answers to its latest receipt handle: SQS changes its
	// visibility (it becomes in flight again) rather than refusing.
	if m == nil || m.receiveCount == 0 || (!m.inFlight(now) && m.receipt != nonce) {
		return nil, errMessageNotInflight()
	}
	m.visibleAt = now.Add(time.Duration(timeout) * time.Second)
	heap.Fix(&q.ready, m.index)
	if timeout == 0 {
		q.signal()
	}
	return []store.Op{q.putState(m)}, nil
}
