// Package sqs emulates Amazon SQS standard queues over the awsJson 1.0
// protocol (query-compatible errors) and the older awsQuery protocol, with every queue and message kept in
// the emulator's store so that what was acknowledged survives a restart.
package sqs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Options configure the service.
type Options struct {
	// PolicyEvaluator checks queue policies for deliveries by AWS services
	// (SendFromService). nil allows every delivery without looking at the
	// policy.
	PolicyEvaluator service.ResourcePolicyEvaluator
	// DeletedCooldown is how long after DeleteQueue the same name answers
	// QueueDeletedRecently; 0 means AWS's 60s, negative disables it.
	DeletedCooldown time.Duration
	// PurgeCooldown is how long after PurgeQueue another purge answers
	// PurgeQueueInProgress; 0 means AWS's 60s, negative disables it.
	PurgeCooldown time.Duration
	Logger        *slog.Logger
	Now           func() time.Time
	// Realism is the realism profile: AWS's documented delays (nil: none).
	Realism *realism.Profile
	// ExpireEvery is how often messages past their queue's retention
	// period are deleted; 0 means every minute, negative never (tests
	// that drive expiry themselves).
	ExpireEvery time.Duration
}

// Service is the SQS emulator. It is safe for concurrent use.
type Service struct {
	st   *store.Store
	opts Options
	log  *slog.Logger
	now  func() time.Time

	// ddl serializes changes to queue metadata (create, delete, attributes,
	// tags, purge) together with their store writes, so two of them can never
	// reach the store in the opposite order to the one they were applied in.
	ddl sync.Mutex
	// mu guards the two maps; each queue has its own lock.
	mu      sync.RWMutex
	queues  map[queueKey]*queue
	deleted map[queueKey]time.Time

	completersMu sync.RWMutex
	completers   map[string]func(body string) (string, error) // SetBodyCompleter

	// done is closed by Close: long polls return at once, so a graceful
	// HTTP shutdown is not held up for up to 20 seconds.
	done      chan struct{}
	closeOnce sync.Once
}

// Operations served, as X-Amz-Target names them.
var operations = []string{
	"CreateQueue", "GetQueueUrl", "GetQueueAttributes", "SetQueueAttributes", "DeleteQueue",
	"ListQueues", "PurgeQueue", "ListDeadLetterSourceQueues",
	"SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
	"ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
	"TagQueue", "UntagQueue", "ListQueueTags", "AddPermission", "RemovePermission",
}

// New loads the queues and messages kept in st.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.DeletedCooldown == 0 {
		opts.DeletedCooldown = 60 * time.Second
		// A realism profile scales AWS's 60 s like its other delays.
		if opts.Realism.Delaying() {
			if opts.DeletedCooldown = opts.Realism.Delay(realism.SQSDeleteQueue); opts.DeletedCooldown == 0 {
				opts.DeletedCooldown = -1
			}
		}
	}
	if opts.PurgeCooldown == 0 {
		opts.PurgeCooldown = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{
		st: st, opts: opts, log: opts.Logger, now: opts.Now,
		queues: map[queueKey]*queue{}, deleted: map[queueKey]time.Time{},
		done: make(chan struct{}),
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("sqs: %w", err)
	}
	// What expired while the emulator was stopped goes now (the oldest
	// messages of each queue: the cost is what expired).
	if _, err := s.expire(s.now()); err != nil {
		return nil, fmt.Errorf("sqs: %w", err)
	}
	if opts.ExpireEvery == 0 {
		opts.ExpireEvery = defaultExpireEvery
	}
	if opts.ExpireEvery > 0 {
		go s.sweep(opts.ExpireEvery)
	}
	return s, nil
}

// Register serves SQS on d under the AmazonSQS target prefix and as an
// awsQuery service.
func (s *Service) Register(d *dispatch.Server) {
	d.JSON("sqs", "AmazonSQS", protocol.JSONService{
		ContentType:     "application/x-amz-json-1.0",
		ErrorNamespace:  "com.amazonaws.sqs#",
		QueryCompatible: true,
	}, s, operations)
	// The same operations over the older awsQuery protocol (query.go);
	// requests signed for sqs reach them.
	d.Query("sqs", protocol.QueryService{XMLNamespace: XMLNamespace, LegacyCodes: true, OmitNilResult: true}, s, operations)
}

// Operations lists the operations served (service.Operations).
func (s *Service) Operations() []string { return operations }

// Close ends every long poll (they answer with no messages) so none
// outlives the service. Other operations keep working until the store is
// closed.
func (s *Service) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// HandleJSON serves one operation (service.JSONHandler).
func (s *Service) HandleJSON(call *service.Call, body []byte) (any, error) {
	switch call.Operation {
	case "CreateQueue":
		return s.createQueue(call, body)
	case "GetQueueUrl":
		return s.getQueueURL(call, body)
	case "GetQueueAttributes":
		return s.getQueueAttributes(call, body)
	case "SetQueueAttributes":
		return s.setQueueAttributes(call, body)
	case "DeleteQueue":
		return s.deleteQueue(call, body)
	case "ListQueues":
		return s.listQueues(call, body)
	case "PurgeQueue":
		return s.purgeQueue(call, body)
	case "ListDeadLetterSourceQueues":
		return s.listDeadLetterSourceQueues(call, body)
	case "SendMessage":
		return s.sendMessage(call, body)
	case "SendMessageBatch":
		return s.sendMessageBatch(call, body)
	case "ReceiveMessage":
		return s.receiveMessage(call, body)
	case "DeleteMessage":
		return s.deleteMessage(call, body)
	case "DeleteMessageBatch":
		return s.deleteMessageBatch(call, body)
	case "ChangeMessageVisibility":
		return s.changeMessageVisibility(call, body)
	case "ChangeMessageVisibilityBatch":
		return s.changeMessageVisibilityBatch(call, body)
	case "TagQueue":
		return s.tagQueue(call, body)
	case "UntagQueue":
		return s.untagQueue(call, body)
	case "ListQueueTags":
		return s.listQueueTags(call, body)
	case "AddPermission":
		return s.addPermission(call, body)
	case "RemovePermission":
		return s.removePermission(call, body)
	}
	return nil, sqsError(400, "InvalidAction", "", "The action %s is not valid for this endpoint.", call.Operation)
}

// queueForURL authorizes action on the queue a URL names and returns it.
// Authorization comes first: a denied caller learns nothing, not even
// whether the queue exists.
func (s *Service) queueForURL(call *service.Call, rawURL, action string) (*queue, error) {
	key, err := parseQueueURL(call, rawURL)
	if err != nil {
		return nil, err
	}
	if action == "" {
		err = call.Authorize(key.arn())
	} else {
		err = call.AuthorizeAction(action, key.arn(), nil)
	}
	if err != nil {
		return nil, err
	}
	q := s.lookup(key)
	if q == nil || !q.knownAt(s.now()) {
		return nil, errQueueDoesNotExist()
	}
	return q, nil
}

func (s *Service) lookup(key queueKey) *queue {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.queues[key]
}

func callContext(call *service.Call) context.Context {
	if call.Context == nil {
		return context.Background()
	}
	return call.Context
}

// senderID is what SenderId reports for the caller: the account for its
// root credentials, otherwise the access key the request was signed with.
func senderID(call *service.Call) string {
	if call.Principal.Admin || call.Principal.AccessKeyID == "" {
		return call.Account
	}
	return call.Principal.AccessKeyID
}

func decode(body []byte, v any) error { return protocol.DecodeJSON(body, v) }
