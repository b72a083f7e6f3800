package logs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

var ctx = context.Background()

const (
	account = "000000000000"
	region  = emutest.Region
	fnGroup = "/aws/lambda/ProcessOrderFunction"
)

type env struct {
	svc    *Service
	st     *store.Store
	client *cwl.Client
	url    string
}

func memStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func newEnv(t testing.TB, st *store.Store, opts dispatch.Options) *env {
	t.Helper()
	if st == nil {
		st = memStore(t)
	}
	svc, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, svc, st, opts)
}

func serve(t testing.TB, svc *Service, st *store.Store, opts dispatch.Options) *env {
	t.Helper()
	d := dispatch.New(opts)
	svc.Register(d)
	cfg, srv := emutest.Config(t, d)
	return &env{svc: svc, st: st, client: cwl.NewFromConfig(cfg), url: srv.URL}
}

func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func (e *env) group(t testing.TB, name string) {
	t.Helper()
	must(e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(name)}))(t)
}

func (e *env) stream(t testing.TB, group, name string) {
	t.Helper()
	must(e.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name)}))(t)
}

// put writes messages one millisecond apart starting at base.
func (e *env) put(t testing.TB, group, stream string, base time.Time, msgs ...string) *cwl.PutLogEventsOutput {
	t.Helper()
	evs := make([]types.InputLogEvent, len(msgs))
	for i, m := range msgs {
		evs[i] = types.InputLogEvent{Timestamp: aws.Int64(base.Add(time.Duration(i) * time.Millisecond).UnixMilli()), Message: aws.String(m)}
	}
	return must(e.client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: evs}))(t)
}

func messages[T any](evs []T, msg func(T) *string) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = aws.ToString(msg(e))
	}
	return out
}

type denyAll struct{}

func (denyAll) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	return service.AccessDenied(call.Service, call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

type staticIdentity struct {
	akid, secret string
	p            service.Principal
}

func (s staticIdentity) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != s.akid {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return s.p, s.secret, "", time.Time{}, true
}

// recordAuthz allows everything and remembers what was asked.
type recordAuthz struct{ asked []string }

func (r *recordAuthz) Authorize(_ context.Context, _ *service.Call, action, resource string, _ map[string][]string) error {
	r.asked = append(r.asked, action+" "+resource)
	return nil
}

func dump(t testing.TB, st *store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	buckets, err := st.Buckets("logs.")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range buckets {
		_ = st.ForEach(b, func(k, v []byte) error { out[b+"/"+string(k)] = string(v); return nil })
	}
	return out
}
