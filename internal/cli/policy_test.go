package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/policies"
)

// --account renders without calling AWS; every kind is a valid document
// naming the stack's ARNs in that account and region.
func TestPolicyWithAccount(t *testing.T) {
	for _, kind := range policies.Kinds {
		t.Run(kind, func(t *testing.T) {
			h := newHarness(t)
			if code := h.run("policy", kind, "--account", "123456789012", "--region", "eu-central-1", "--prefix", "dev-"); code != ExitOK {
				t.Fatalf("exit %d", code)
			}
			var doc map[string]any
			oneJSONDocument(t, h.out.Bytes(), &doc)
			if doc["Version"] != "2012-10-17" {
				t.Errorf("Version %v", doc["Version"])
			}
			if h.factoryCalls != 0 {
				t.Error("policy --account called AWS")
			}
			if kind != "trust" && !strings.Contains(h.out.String(), ":123456789012:") {
				t.Errorf("%s policy does not name account 123456789012:\n%s", kind, h.out)
			}
		})
	}
	h := newHarness(t)
	if code := h.run("policy", "function", "--account", "123456789012", "--region", "eu-central-1", "--prefix", "dev-"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	want, err := policies.Render("function", config.Config{Prefix: "dev-"}.Names().ARNs("aws", "eu-central-1", "123456789012"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(h.out.String()) != strings.TrimSpace(string(want)) {
		t.Errorf("printed\n%s\nwant\n%s", h.out, want)
	}
}

func TestPolicyRegionFromEnvironment(t *testing.T) {
	h := newHarness(t)
	t.Setenv("AWS_REGION", "cn-north-1")
	if code := h.run("policy", "queue", "--account", "123456789012"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if want := "arn:aws-cn:sqs:cn-north-1:123456789012:HighValueQueue"; !strings.Contains(h.out.String(), want) {
		t.Errorf("queue policy lacks %s:\n%s", want, h.out)
	}
}

// Without --account the account comes from STS, through the real pipeline
// over the (fake) clients.
func TestPolicyAccountFromCredentials(t *testing.T) {
	h := newHarness(t)
	h.stack = nil // the real pipeline.Stack
	if code := h.run("policy", "function"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc map[string]any
	if err := json.Unmarshal(h.out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, h.out)
	}
	if want := "arn:aws:dynamodb:eu-west-1:210987654321:table/OrdersTable"; !strings.Contains(h.out.String(), want) {
		t.Errorf("function policy lacks %s:\n%s", want, h.out)
	}
}

func TestPolicyCredentialErrors(t *testing.T) {
	h := newHarness(t)
	h.factoryErr = errors.New("no AWS region configured: pass --region")
	if code := h.run("policy", "trust"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if got := h.errOut.String(); got != "orders: no AWS region configured: pass --region\n" {
		t.Errorf("stderr %q", got)
	}

	h = newHarness(t)
	h.stack = nil
	h.clients = &awsapi.Clients{Region: "eu-west-1", STS: fakeSTS{err: &smithy.GenericAPIError{
		Code: "AccessDenied", Message: "User: arn:aws:iam::1:user/bob is not authorized to perform: sts:GetCallerIdentity"}}}
	if code := h.run("policy", "trust"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"sts:GetCallerIdentity", "orders policy operator", "--account ID"} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
		}
	}
}

// policy operator --read-only prints the read-only policy; the flag means
// nothing for the other documents and is refused there.
func TestPolicyOperatorReadOnly(t *testing.T) {
	h := newHarness(t)
	if code := h.run("policy", "operator", "--read-only", "--account", "123456789012", "--region", "eu-west-1"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	want, err := policies.Render(policies.OperatorReadOnly, config.Default().Names().ARNs("aws", "eu-west-1", "123456789012"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(h.out.String()) != strings.TrimSpace(string(want)) {
		t.Errorf("printed\n%s\nwant\n%s", h.out, want)
	}
	h = newHarness(t)
	if code := h.run("policy", "function", "--read-only", "--account", "123456789012", "--region", "eu-west-1"); code != ExitUsage {
		t.Errorf("policy function --read-only: exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(h.errOut.String(), "only the operator policy has a read-only form") {
		t.Errorf("stderr %q", h.errOut)
	}
}
