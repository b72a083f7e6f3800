// Package sns emulates Amazon SNS standard topics over the awsQuery
// protocol, delivering to SQS subscriptions synchronously with Publish:
// when Publish answers, every delivery the queues accepted is durable.
package sns

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// QueueSink takes deliveries to SQS subscriptions; *sqs.Service is one.
// completer, when not "", names a function registered with a
// BodyCompleters sink that finishes the body when it is first received.
type QueueSink interface {
	SendFromService(ctx context.Context, region, account, queueARN, servicePrincipal, sourceARN, body string, attrs map[string]service.MessageAttribute, completer string) error
}

// BodyCompleters is a QueueSink that can finish bodies at their first
// receive (*sqs.Service is one): SNS then signs a notification only when
// it is read, not on the Publish path.
type BodyCompleters interface {
	SetBodyCompleter(name string, fn func(body string) (string, error))
}

// DelayedQueueSink is a QueueSink that can make a delivery arrive later:
// with a realism profile, SNS takes realism.SNSDeliveryMin to
// realism.SNSDeliveryMax to deliver to SQS.
type DelayedQueueSink interface {
	SendFromServiceAfter(ctx context.Context, after time.Duration, region, account, queueARN, servicePrincipal, sourceARN, body string, attrs map[string]service.MessageAttribute, completer string) error
}

// Options configure the service.
type Options struct {
	// Queues receives deliveries to sqs subscriptions; nil drops them (and
	// logs each one).
	Queues QueueSink
	Logger *slog.Logger
	Now    func() time.Time
	// SigningKey signs notifications; nil loads the emulator's key from the
	// store, generating (and storing) one of SigningKeyBits on first use.
	SigningKey *rsa.PrivateKey
	// SigningKeyBits is the size of a generated key; 0 means 2048, the
	// size of AWS's SNS signing certificates. Signing a notification costs
	// about 2 ms of CPU at 2048 bits and a quarter of that at 1024.
	SigningKeyBits int
	// Realism is the realism profile: AWS's documented delays (nil: none).
	Realism *realism.Profile
}

// Service is the SNS emulator. It is safe for concurrent use.
type Service struct {
	st   *store.Store
	opts Options
	log  *slog.Logger
	now  func() time.Time

	// ddl serializes every change with its store write: a change becomes
	// visible only once it is durable, and never overtakes another.
	ddl sync.Mutex
	// mu guards the maps below; Publish only reads them.
	mu     sync.RWMutex
	topics map[string]*topic        // by ARN
	subs   map[string]*subscription // by ARN
	seq    uint64                   // creation order of topics and subscriptions

	signing signing
	// signLater: the queues sign notifications at their first receive
	// (signEnvelope) instead of Publish signing them.
	signLater bool
}

// XMLNamespace of SNS responses.
const XMLNamespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// CertPath is where the signing certificate is served, relative to the
// endpoint; SigningCertURL points at it.
const CertPath = "/SimpleNotificationService-local.pem"

var operations = []string{
	"CreateTopic", "DeleteTopic", "ListTopics", "GetTopicAttributes", "SetTopicAttributes",
	"Subscribe", "Unsubscribe", "ListSubscriptions", "ListSubscriptionsByTopic",
	"GetSubscriptionAttributes", "SetSubscriptionAttributes",
	"Publish", "PublishBatch", "TagResource", "UntagResource", "ListTagsForResource",
	"ConfirmSubscription", "AddPermission", "RemovePermission",
}

// New loads topics and subscriptions from st.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SigningKeyBits == 0 {
		opts.SigningKeyBits = 2048
	}
	s := &Service{
		st: st, opts: opts, log: opts.Logger, now: opts.Now,
		topics: map[string]*topic{}, subs: map[string]*subscription{},
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("sns: %w", err)
	}
	if bc, ok := opts.Queues.(BodyCompleters); ok {
		bc.SetBodyCompleter(signatureCompleter, s.signEnvelope)
		s.signLater = true
	}
	s.warmSigner()
	return s, nil
}

// Register serves SNS on d: the awsQuery API and, for whoever verifies
// notification signatures, the signing certificate at CertPath.
func (s *Service) Register(d *dispatch.Server) {
	d.Query("sns", protocol.QueryService{XMLNamespace: XMLNamespace, OmitNilResult: true}, s, operations)
	d.REST("sns", []string{CertPath}, http.HandlerFunc(s.serveCertificate))
	d.Public(publicURL, true)
}

// publicURL tells the URLs SNS hands out to be fetched unsigned: the
// SigningCertURL, the UnsubscribeURL of every notification (a GET of
// ?Action=Unsubscribe, which SNS honours without authentication: see the
// Unsubscribe API reference), and the SubscribeURL of a confirmation
// message (a GET of ?Action=ConfirmSubscription, which "requires an AWS
// signature only when the AuthenticateOnUnsubscribe flag is set to true":
// ConfirmSubscription API reference).
func publicURL(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if r.URL.Path == CertPath {
		return true
	}
	action := r.URL.Query().Get("Action")
	return r.URL.Path == "/" && (action == "Unsubscribe" || action == "ConfirmSubscription")
}

// Operations lists the operations served (service.Operations).
func (s *Service) Operations() []string { return operations }

// HandleQuery serves one operation (service.QueryHandler).
func (s *Service) HandleQuery(call *service.Call, form url.Values) (any, error) {
	switch call.Operation {
	case "CreateTopic":
		return s.createTopic(call, form)
	case "DeleteTopic":
		return s.deleteTopic(call, form)
	case "ListTopics":
		return s.listTopics(call, form)
	case "GetTopicAttributes":
		return s.getTopicAttributes(call, form)
	case "SetTopicAttributes":
		return s.setTopicAttributes(call, form)
	case "Subscribe":
		return s.subscribe(call, form)
	case "Unsubscribe":
		return s.unsubscribe(call, form)
	case "ListSubscriptions":
		return s.listSubscriptions(call, form)
	case "ListSubscriptionsByTopic":
		return s.listSubscriptionsByTopic(call, form)
	case "GetSubscriptionAttributes":
		return s.getSubscriptionAttributes(call, form)
	case "SetSubscriptionAttributes":
		return s.setSubscriptionAttributes(call, form)
	case "Publish":
		return s.publish(call, form)
	case "PublishBatch":
		return s.publishBatch(call, form)
	case "TagResource":
		return s.tagResource(call, form)
	case "UntagResource":
		return s.untagResource(call, form)
	case "ListTagsForResource":
		return s.listTagsForResource(call, form)
	case "ConfirmSubscription":
		return s.confirmSubscription(call, form)
	case "AddPermission":
		return s.addPermission(call, form)
	case "RemovePermission":
		return s.removePermission(call, form)
	}
	return nil, service.Errorf(400, "InvalidAction", "The action %s is not valid for this web service.", call.Operation)
}

func (s *Service) nextSeq() uint64 {
	s.seq++
	return s.seq
}
