package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/policies"
)

// harness runs commands against buffers with fake AWS clients and, when
// stack is set, a fake pipeline.
type harness struct {
	t                *testing.T
	io               *IOStreams
	in, out, errOut  *bytes.Buffer
	opts             Options
	stack            *fakeStack // nil: the real pipeline over the fake clients
	clients          *awsapi.Clients
	factoryErr       error
	closeErr         error
	factoryCalls     int
	closeCalls       int
	factoryCfg       config.Config // the configuration the factory was given
	newStackCfg      config.Config // and NewStack
	newStackReceived bool
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	isolate(t)
	h := &harness{t: t, stack: &fakeStack{}}
	h.io, h.in, h.out, h.errOut = TestIO()
	h.clients = &awsapi.Clients{Region: "eu-west-1", STS: fakeSTS{account: "210987654321"}}
	h.opts = Options{
		IO: h.io,
		ClientFactory: func(_ context.Context, cfg config.Config) (*awsapi.Clients, func() error, error) {
			h.factoryCalls++
			h.factoryCfg = cfg
			if h.factoryErr != nil {
				return nil, nil, h.factoryErr
			}
			return h.clients, func() error { h.closeCalls++; return h.closeErr }, nil
		},
		NewStack: func(cfg config.Config, c *awsapi.Clients) Stack {
			h.newStackCfg, h.newStackReceived = cfg, true
			if h.stack == nil {
				return newPipelineStack(cfg, c)
			}
			return h.stack
		},
	}
	return h
}

func (h *harness) run(args ...string) int {
	h.t.Helper()
	code := Run(context.Background(), h.opts, args)
	h.t.Logf("orders %s → exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, h.out, h.errOut)
	return code
}

// isolate keeps the developer's environment and working directory out of a
// test: no ORDERS_* or AWS region variables, and a fresh directory without
// an orders.yaml.
func isolate(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "ORDERS_") || k == "AWS_REGION" || k == "AWS_DEFAULT_REGION" || k == "NO_COLOR" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Chdir(t.TempDir())
}

// oneJSONDocument decodes out, failing unless it holds exactly one JSON
// value and nothing else.
func oneJSONDocument(t *testing.T, out []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%s", err, out)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one JSON document (next: %s, err %v):\n%s", extra, err, out)
	}
}

// fakeStack plays a scripted pipeline: each step of its reports is started
// and finished on the reporter, in order.
type fakeStack struct {
	up, destroy       pipeline.Report
	upErr, destroyErr error
	status            []pipeline.ResourceStatus
	statusErr         error
	arns              policies.ARNs
	calls             []string
	onUp              func() // called during Up, e.g. to cancel the run
}

func (f *fakeStack) play(rep pipeline.Reporter, r pipeline.Report) {
	for _, s := range r.Steps {
		rep.Start(s.Step, s.Resource)
		rep.Progress(s.Step, "working")
		rep.Done(s.Step, s)
	}
}

func (f *fakeStack) Up(_ context.Context, rep pipeline.Reporter) (pipeline.Report, error) {
	f.calls = append(f.calls, "up")
	f.play(rep, f.up)
	if f.onUp != nil {
		f.onUp()
	}
	if f.onUp != nil {
		f.onUp()
	}
	return f.up, f.upErr
}

func (f *fakeStack) Destroy(_ context.Context, rep pipeline.Reporter) (pipeline.Report, error) {
	f.calls = append(f.calls, "destroy")
	f.play(rep, f.destroy)
	return f.destroy, f.destroyErr
}

func (f *fakeStack) Status(context.Context) ([]pipeline.ResourceStatus, error) {
	f.calls = append(f.calls, "status")
	return f.status, f.statusErr
}

func (f *fakeStack) ARNs(context.Context) (policies.ARNs, error) {
	f.calls = append(f.calls, "arns")
	return f.arns, nil
}

// fakeSTS answers GetCallerIdentity; any other call panics (the embedded
// nil interface), which a test would notice.
type fakeSTS struct {
	awsapi.STS
	account string
	err     error
}

func (f fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &sts.GetCallerIdentityOutput{
		Account: aws.String(f.account),
		Arn:     aws.String("arn:aws:iam::" + f.account + ":user/tester"),
	}, nil
}
