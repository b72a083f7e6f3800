package verify

import (
	"context"
	"fmt"
	"math"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
)

// maxPeeks bounds how many batches checkOrderMessage receives looking for
// one order's message: a queue holding more than this many is not searched
// to the end (the check says so).
const maxPeeks = 50

// checkOrderMessage checks the notification of an order sent earlier: an
// order its item says was NOTIFIED has its SNS message in the queue (found
// by MessageId or OrderId). Messages are only looked at, never deleted:
// each is hidden while the queue is searched and made visible again at once.
func checkOrderMessage(ctx context.Context, e *env, id string, it *orderItem) Result {
	r := Result{Name: "order " + id + ": SNS → SQS message"}
	switch {
	case it == nil:
		r.Detail = "not checked: the order is not in the table"
		r.Problems = []string{r.Detail}
		return r
	case it.status != handler.StatusNotified:
		r.OK = true
		r.Detail = fmt.Sprintf("none expected: Status %s (Amount %s is not above the threshold it was sent with)", orNone(it.status), it.amountText)
		return r
	}
	urlOut, err := e.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.names.Queue)})
	if err != nil {
		r.Detail = fmt.Sprintf("get the URL of queue %s: %v", e.names.Queue, awsapi.ExplainAccessDenied(err))
		r.Problems = []string{r.Detail}
		return r
	}
	url := aws.ToString(urlOut.QueueUrl)
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	visibility := int32(math.Ceil(holdMargin.Seconds()))
	var held []queueMessage
	defer func() {
		for _, q := range held {
			_, _ = e.sqs.ChangeMessageVisibility(bg, &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(url), ReceiptHandle: aws.String(q.receipt), VisibilityTimeout: 0,
			})
		}
	}()
	for range maxPeeks {
		out, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: maxBatch, WaitTimeSeconds: 1, VisibilityTimeout: visibility,
		})
		if err != nil {
			r.Detail = fmt.Sprintf("receive from queue %s: %v", e.names.Queue, awsapi.ExplainAccessDenied(err))
			r.Problems = []string{r.Detail}
			return r
		}
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			q := readMessage(m)
			held = append(held, q)
			if q.orderID == id || (it.messageID != "" && q.snsID == it.messageID) {
				r.OK = true
				r.Detail = fmt.Sprintf("queue %s holds its notification (SNS message %s)", e.names.Queue, q.snsID)
				return r
			}
		}
	}
	r.Detail = fmt.Sprintf("no message for %s in queue %s among %d looked at (SNS MessageId %s); a consumer may have received and deleted it",
		id, e.names.Queue, len(held), orNone(it.messageID))
	r.Problems = []string{r.Detail}
	return r
}
