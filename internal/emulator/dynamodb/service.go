package dynamodb

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Wire details of DynamoDB's awsJson 1.0 protocol.
const (
	TargetPrefix   = "DynamoDB_20120810"
	ContentType    = "application/x-amz-json-1.0"
	ErrorNamespace = "com.amazonaws.dynamodb.v20120810#"
)

// Options configure the service.
type Options struct {
	// Logger receives store-load warnings; nil discards them.
	Logger *slog.Logger
	// Realism is the realism profile: AWS's documented delays (nil: none).
	Realism *realism.Profile
}

// Service is the DynamoDB emulator; safe for concurrent use.
type Service struct {
	st   *store.Store
	opts Options

	mu     sync.RWMutex
	tables map[string]*table // region/name
	// deleting holds tables whose DeleteTable is not yet durable, so a
	// CreateTable of the same name waits instead of racing the bucket drop.
	deleting map[string]*table
	// gone holds deleted tables while they are DELETING (realism).
	gone deletingTables
	// txTokens are the ClientRequestTokens of recent transactions.
	txTokens idempotency
}

// New loads every table and item from st.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Service{st: st, opts: opts, tables: map[string]*table{}, deleting: map[string]*table{}}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Register adds DynamoDB to the dispatcher.
func (s *Service) Register(d *dispatch.Server) {
	d.JSON("dynamodb", TargetPrefix, protocol.JSONService{ContentType: ContentType, ErrorNamespace: ErrorNamespace, CRC32: true}, s, s.Operations())
}

// Close waits for nothing: every write is durable before its answer.
func (s *Service) Close() error { return nil }

type handlerFunc func(s *Service, call *service.Call, body []byte) (any, error)

var handlers = map[string]handlerFunc{
	"CreateTable":        (*Service).createTable,
	"DescribeTable":      (*Service).describeTable,
	"DeleteTable":        (*Service).deleteTable,
	"ListTables":         (*Service).listTables,
	"UpdateTable":        (*Service).updateTable,
	"TagResource":        (*Service).tagResource,
	"UntagResource":      (*Service).untagResource,
	"ListTagsOfResource": (*Service).listTagsOfResource,
	"PutItem":            (*Service).putItem,
	"GetItem":            (*Service).getItem,
	"DeleteItem":         (*Service).deleteItem,
	"UpdateItem":         (*Service).updateItem,
	"Query":              (*Service).query,
	"Scan":               (*Service).scan,
	"BatchWriteItem":     (*Service).batchWriteItem,
	"BatchGetItem":       (*Service).batchGetItem,
	"TransactWriteItems": (*Service).transactWriteItems,
	"TransactGetItems":   (*Service).transactGetItems,
}

// Operations lists the operations served, for the dispatcher's
// unknown-operation answer.
func (s *Service) Operations() []string {
	ops := make([]string, 0, len(handlers))
	for op := range handlers {
		ops = append(ops, op)
	}
	return ops
}

// HandleJSON serves one operation.
func (s *Service) HandleJSON(call *service.Call, body []byte) (any, error) {
	h, ok := handlers[call.Operation]
	if !ok {
		return nil, service.Errorf(400, "UnknownOperationException", "operation %s is not supported by dynamodb", call.Operation)
	}
	return h(s, call, body)
}

// decode parses a request body into v (SerializationException when it is
// not the operation's JSON shape).
func decode(body []byte, v any) error {
	if err := protocol.DecodeJSON(body, v); err != nil {
		return err // a *service.Error, never a typed nil
	}
	return nil
}

// --- errors --------------------------------------------------------------

func errTableNotFound(name string) *service.Error {
	return service.Errorf(400, "ResourceNotFoundException", "Requested resource not found: Table: %s not found", name)
}

var errResourceNotFound = service.Errorf(400, "ResourceNotFoundException", "Requested resource not found")

func errInUse(format string, args ...any) *service.Error {
	return service.Errorf(400, "ResourceInUseException", format, args...)
}

// errStore turns a store failure into the 500 a client retries.
func errStore(what string, err error) *service.Error {
	return service.Internal(fmt.Errorf("%s: %w", what, err))
}

// --- tables --------------------------------------------------------------

// tableName validates a TableName parameter (a name or a table ARN in the
// caller's region and account) and returns the name.
func tableName(call *service.Call, param, raw string, present bool) (string, error) {
	if !present {
		return "", validationErrors{{param, "null", "Member must not be null"}}.err()
	}
	if strings.HasPrefix(raw, "arn:") {
		region, account, name, ok := parseTableARN(raw)
		if !ok || region != call.Region || account != call.Account {
			return "", service.Validation("Invalid TableArn: Invalid ResourceArn provided as input %s", raw)
		}
		raw = name
	}
	var errs validationErrors
	if len(raw) < 3 {
		errs = append(errs, violation{param, quoted(raw), "Member must have length greater than or equal to 3"})
	}
	if len(raw) > 255 {
		errs = append(errs, violation{param, quoted(raw), "Member must have length less than or equal to 255"})
	}
	if !validTableName(raw) {
		errs = append(errs, violation{param, quoted(raw), "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"})
	}
	if len(errs) > 0 {
		return "", errs.err()
	}
	return raw, nil
}

func validTableName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return s != ""
}

// parseTableARN splits arn:aws:dynamodb:R:A:table/NAME.
func parseTableARN(arn string) (region, account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "dynamodb" {
		return "", "", "", false
	}
	name, found := strings.CutPrefix(parts[5], "table/")
	if !found || name == "" || strings.Contains(name, "/") {
		return "", "", "", false
	}
	return parts[3], parts[4], name, true
}

// lookup returns a live table.
func (s *Service) lookup(region, name string) (*table, error) {
	s.mu.RLock()
	t := s.tables[tableKey(region, name)]
	s.mu.RUnlock()
	if t == nil {
		return nil, errTableNotFound(name)
	}
	return t, nil
}

// authorizedTable validates TableName and the request's other
// constraints (errs), authorizes the operation on the table's ARN, then
// finds the table — in that order, so a denied caller learns nothing about
// which tables exist.
func (s *Service) authorizedTable(call *service.Call, raw *string, errs ...violation) (*table, string, error) {
	name, err := tableName(call, "tableName", deref(raw), raw != nil)
	if err != nil {
		return nil, "", err
	}
	if err := validationErrors(errs).err(); err != nil {
		return nil, "", err
	}
	if err := call.Authorize(call.ARN("dynamodb", "table/"+name)); err != nil {
		return nil, "", err
	}
	t, err := s.lookup(call.Region, name)
	if err != nil {
		return nil, name, err // the name, for a table that is DELETING
	}
	return t, name, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// --- validation messages -------------------------------------------------

// violation is one entry of AWS's "N validation errors detected" message.
type violation struct {
	param, value, constraint string
}

type validationErrors []violation

func (v validationErrors) err() error {
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", x.value, x.param, x.constraint)
	}
	noun := "error"
	if len(v) > 1 {
		noun = "errors"
	}
	return service.Validation("%d validation %s detected: %s", len(v), noun, strings.Join(parts, "; "))
}

func quoted(s string) string { return "'" + s + "'" }

// enumCheck adds a violation when v is set and not one of allowed.
func (v *validationErrors) enum(param, value string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	*v = append(*v, violation{param, quoted(value), "Member must satisfy enum value set: [" + strings.Join(allowed, ", ") + "]"})
}

// marshalJSON is json.Marshal for values whose encoding cannot fail.
func marshalJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("dynamodb: encode %T: %v", v, err))
	}
	return b
}
