package dynamodb

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/store"
)

var ctx = context.Background()

// testEnv is a service on a store plus a real SDK client pointed at it.
type testEnv struct {
	t      testing.TB
	dir    string
	st     *store.Store
	svc    *Service
	client *dynamodb.Client
	url    string // the server, for clients with other credentials
}

// newEnv serves a fresh service over an in-memory store.
func newEnv(t testing.TB) *testEnv {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return serve(t, st, dispatch.Options{})
}

// newDiskEnv serves a service over a durable store in dir.
func newDiskEnv(t testing.TB, dir string) *testEnv {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := serve(t, st, dispatch.Options{})
	e.dir = dir
	return e
}

func serve(t testing.TB, st *store.Store, opts dispatch.Options) *testEnv {
	t.Helper()
	svc, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Logger == nil {
		// Panics and 500s show up in the test's output.
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	d := dispatch.New(opts)
	svc.Register(d)
	cfg, srv := emutest.Config(t, d)
	return &testEnv{t: t, st: st, svc: svc, client: dynamodb.NewFromConfig(cfg), url: srv.URL}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// createTable makes an on-demand table with a string hash key and, when
// rangeType is set, a sort key "sk" of that type.
func (e *testEnv) createTable(name, hash string, rangeType types.ScalarAttributeType) *types.TableDescription {
	e.t.Helper()
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(hash), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}},
	}
	if rangeType != "" {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: rangeType})
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
	}
	out, err := e.client.CreateTable(ctx, in)
	if err != nil {
		e.t.Fatalf("create table %s: %v", name, err)
	}
	return out.TableDescription
}

func (e *testEnv) put(table string, item map[string]types.AttributeValue) {
	e.t.Helper()
	if _, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		e.t.Fatalf("put item: %v", err)
	}
}

func (e *testEnv) get(table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	e.t.Helper()
	out, err := e.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		e.t.Fatalf("get item: %v", err)
	}
	return out.Item
}

// render prints an attribute value canonically, for comparisons.
func render(v types.AttributeValue) string {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S:%q", v.Value)
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberB:
		return "B:" + base64.StdEncoding.EncodeToString(v.Value)
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprintf("BOOL:%v", v.Value)
	case *types.AttributeValueMemberNULL:
		return fmt.Sprintf("NULL:%v", v.Value)
	case *types.AttributeValueMemberSS:
		x := append([]string(nil), v.Value...)
		sort.Strings(x)
		return fmt.Sprintf("SS:%q", x)
	case *types.AttributeValueMemberNS:
		x := append([]string(nil), v.Value...)
		sort.Strings(x)
		return fmt.Sprintf("NS:%v", x)
	case *types.AttributeValueMemberBS:
		var x []string
		for _, b := range v.Value {
			x = append(x, base64.StdEncoding.EncodeToString(b))
		}
		sort.Strings(x)
		return fmt.Sprintf("BS:%v", x)
	case *types.AttributeValueMemberL:
		var parts []string
		for _, e := range v.Value {
			parts = append(parts, render(e))
		}
		return "L:[" + strings.Join(parts, ",") + "]"
	case *types.AttributeValueMemberM:
		return "M:" + renderItem(v.Value)
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("?%T", v)
}

func renderItem(m map[string]types.AttributeValue) string {
	if m == nil {
		return "<nil>"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+render(m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// apiError asserts err is an AWS error with code and, when msg is not
// empty, exactly that message.
func apiError(t testing.TB, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("%s message:\n got: %s\nwant: %s", code, ae.ErrorMessage(), msg)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
