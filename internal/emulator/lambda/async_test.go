package lambda

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// deadURL is a loopback URL nothing listens on any more.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	_ = l.Close()
	return u
}

// pings is an HTTP server standing in for the emulator's endpoint: it
// counts the /ping/<id> requests functions make.
type pings struct {
	mu  sync.Mutex
	got map[string]int
	srv *httptest.Server
}

func newPings(t *testing.T) *pings {
	p := &pings{got: map[string]int{}}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.URL.Path, "/ping/"); ok {
			p.mu.Lock()
			p.got[id]++
			p.mu.Unlock()
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pings) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

func queuedEvents(t *testing.T, st *store.Store) int {
	t.Helper()
	n := 0
	if err := st.ForEach(bucketEvents, func(_, _ []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEventsRunAgainstCurrentEndpointAfterRestart: Event invocations
// queued by an emulator that then stopped run, after a restart on another
// port, against the endpoint the emulator serves on now — not the one they
// arrived on. The queue is as an older emulator stored it (with the URL the
// invoke reached), so the test also covers data dirs written before.
func TestEventsRunAgainstCurrentEndpointAfterRestart(t *testing.T) {
	needExec(t)
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, st, dispatch.Options{})
	e.create(t, "fn", bootstrapZip)
	old := deadURL(t)
	const n = 8
	for i := range n {
		key := fmt.Sprintf("%020d-%06d", i+1, i+1)
		v, _ := json.Marshal(map[string]any{
			"region": "us-east-1", "name": "fn", "requestId": fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
			"payload": []byte(fmt.Sprintf(`{"action":"ping","message":"ev%d"}`, i)), "endpoint": old, "queued": time.Now(),
		})
		if err := st.Write(store.Put(bucketEvents, key, v)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	p := newPings(t)
	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newTestEnvOn(t, st2, dispatch.Options{}, func(o *Options) { o.Endpoint = func() string { return p.srv.URL } })
	eventually(t, "every queued event reaches the current endpoint", func() bool { return p.count() == n })
	eventually(t, "the queue empties", func() bool { return queuedEvents(t, e2.st) == 0 })
}

// TestEventFunctionErrorRetriedTwiceThenRecorded: an Event invocation whose
// function fails runs three times in all (Lambda's two retries), and when
// it is given up that is written to the function's log group.
func TestEventFunctionErrorRetriedTwiceThenRecorded(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.svc.async.funcErrorDelays = []time.Duration{time.Millisecond, 2 * time.Millisecond}
	e.create(t, "fn", bootstrapZip)
	ctx := context.Background()
	out, err := e.client.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`{"action":"error","message":"always fails"}`),
	})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Event: %v, %v", out, err)
	}
	eventually(t, "the event is given up and leaves the queue", func() bool { return queuedEvents(t, e.st) == 0 })
	_ = e.svc.FlushLogs(ctx)
	msgs := e.logs.messages("/aws/lambda/fn")
	starts, discarded := 0, 0
	for _, m := range msgs {
		if strings.HasPrefix(m, "START RequestId:") {
			starts++
		}
		if strings.Contains(m, "EVENT DISCARDED") && strings.Contains(m, "always fails") {
			discarded++
		}
	}
	if starts != 3 || discarded != 1 {
		t.Fatalf("attempts = %d (want 3: the first and Lambda's two retries), discard records = %d (want 1); log:\n%s",
			starts, discarded, strings.Join(msgs, ""))
	}
}

// TestEventWaitsForEndpoint: an event queued while the emulator does not
// know its endpoint yet (a restart, before it listens) waits for it.
func TestEventWaitsForEndpoint(t *testing.T) {
	needExec(t)
	p := newPings(t)
	var mu sync.Mutex
	endpoint := ""
	e := newTestEnv(t, func(o *Options) {
		o.Endpoint = func() string { mu.Lock(); defer mu.Unlock(); return endpoint }
	})
	e.create(t, "fn", bootstrapZip)
	e.svc.mu.RLock()
	fn := e.svc.functions["us-east-1/fn"]
	e.svc.mu.RUnlock()
	if err := e.svc.async.enqueue(fn.rec.Load(), "00000000-0000-0000-0000-000000000001", []byte(`{"action":"ping","message":"late"}`)); err != nil {
		t.Fatal(err)
	}
	// Until the emulator knows where it serves, the event waits (it is not
	// run with no endpoint, which would send the function to real AWS).
	if queuedEvents(t, e.st) != 1 || p.count() != 0 {
		t.Fatalf("the event ran before an endpoint was known")
	}
	mu.Lock()
	endpoint = p.srv.URL
	mu.Unlock()
	eventually(t, "the event runs once the endpoint is known", func() bool { return p.count() == 1 })
}

// TestEventRetryStateSurvivesRestart: an event's failed attempts and the
// time of its next one are stored, so a restart neither forgets the
// attempts made (retrying forever) nor runs the retry before its time.
func TestEventRetryStateSurvivesRestart(t *testing.T) {
	needExec(t)
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, st, dispatch.Options{})
	e.svc.async.funcErrorDelays = []time.Duration{time.Hour, 2 * time.Hour}
	e.create(t, "fn", bootstrapZip)
	out, err := e.client.Invoke(context.Background(), &awslambda.InvokeInput{
		FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`{"action":"error","message":"fails"}`),
	})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Event: %v, %v", out, err)
	}
	stored := func(st *store.Store) (ev queuedEvent) {
		_ = st.ForEach(bucketEvents, func(_, v []byte) error { return json.Unmarshal(v, &ev) })
		return ev
	}
	eventually(t, "the first attempt is recorded", func() bool { return stored(st).FuncErrors == 1 })
	if ev := stored(st); time.Until(ev.NotBefore) < 50*time.Minute {
		t.Fatalf("next attempt at %v: want an hour after the first", ev.NotBefore)
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// 90 minutes later (by the service's clock) the retry is due.
	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().Add(90 * time.Minute) }
	newTestEnvOn(t, st2, dispatch.Options{}, func(o *Options) { o.Now = later })
	eventually(t, "the second attempt runs after the restart and is recorded", func() bool { return stored(st2).FuncErrors == 2 })
	if ev := stored(st2); ev.NotBefore.Sub(later()) < time.Minute {
		t.Fatalf("third attempt at %v: want two minutes after the second (Lambda's backoff)", ev.NotBefore)
	}
}
