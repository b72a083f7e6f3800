package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// awsError is what botocore reported for a refused call (nil: it succeeded).
type awsError *struct {
	Code, Message string
	Status        int
}

// boto3Report is what testdata/least_privilege.py observed.
type boto3Report struct {
	Simulate []struct {
		Action, Resource, Decision string
		Matched                    []string
	}
	AdminAssumeRole       awsError `json:"admin_assume_role"`
	SessionIdentity       string   `json:"session_identity"`
	PublishAllowed        awsError `json:"publish_allowed"`
	QueuedAfterAllowed    []string `json:"queued_after_allowed"`
	PublishNarrowed       awsError `json:"publish_narrowed"`
	QueuedAfterNarrowed   []string `json:"queued_after_narrowed"`
	PublishRestored       awsError `json:"publish_restored"`
	QueuedAfterRestored   []string `json:"queued_after_restored"`
	PublishOtherTopic     awsError `json:"publish_other_topic"`
	QueuedOtherAfterRole  []string `json:"queued_other_after_role"`
	QueuedOtherAfterAdmin []string `json:"queued_other_after_admin"`
}

// orderIDs reads the OrderId of each queued notification's Message.
func orderIDs(t *testing.T, messages []string) []string {
	t.Helper()
	var ids []string
	for _, m := range messages {
		var o struct{ OrderId string }
		if err := json.Unmarshal([]byte(m), &o); err != nil {
			t.Fatalf("queued message is not an order: %q", m)
		}
		ids = append(ids, o.OrderId)
	}
	return ids
}

// boto3, an independent AWS client, against a stack orders deployed in the
// emulator: simulate-principal-policy on the role
// allows exactly the function's PutItem; a session of the role may publish
// to its topic only while the role's policy says so, and never to another
// topic — and a refused publish queues nothing.
func TestBoto3LeastPrivilege(t *testing.T) {
	py := emutest.Python(t)
	m := startEmulator(t)
	mustOrders(t, m.admin(), 0, "up")

	// TestMain moved the working directory: testdata is found from the
	// package's own.
	script := filepath.Join(packageDir, "testdata", "least_privilege.py")
	home := t.TempDir() // no ~/.aws of the developer's
	// The role trusts only Lambda: its session is issued as Lambda's is.
	_, sess := m.assumeRole(t, m.arns.Role, "boto3-peer")
	cmd := exec.Command(py, script, m.arns.Role, m.arns.Table, m.arns.Topic, "HighValueQueue")
	cmd.Env = append(os.Environ(),
		"HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_ENDPOINT_URL="+m.url, "AWS_DEFAULT_REGION="+region, "AWS_ACCESS_KEY_ID="+adminKey, "AWS_SECRET_ACCESS_KEY="+adminSecret,
		"ROLE_ACCESS_KEY_ID="+aws.ToString(sess.Credentials.AccessKeyId), "ROLE_SECRET_ACCESS_KEY="+aws.ToString(sess.Credentials.SecretAccessKey),
		"ROLE_SESSION_TOKEN="+aws.ToString(sess.Credentials.SessionToken))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 %s: %v\n%s", script, err, stderr.String())
	}
	t.Logf("boto3 observed:\n%s", out)
	var r boto3Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("the script's report: %v", err)
	}

	want := map[string]string{
		"dynamodb:PutItem " + m.arns.Table:    "allowed",
		"dynamodb:DeleteItem " + m.arns.Table: "implicitDeny",
		"dynamodb:PutItem " + m.arns.Table[:strings.LastIndex(m.arns.Table, "/")] + "/SomeOtherTable": "implicitDeny",
	}
	for _, s := range r.Simulate {
		key := s.Action + " " + s.Resource
		if w, ok := want[key]; !ok || s.Decision != w {
			t.Errorf("simulate %s: %s, want %q", key, s.Decision, w)
		}
		if s.Decision == "allowed" && !slices.Contains(s.Matched, "ProcessOrderFunction-policy") {
			t.Errorf("simulate %s: allowed by %v, want the role's policy ProcessOrderFunction-policy named", key, s.Matched)
		}
		delete(want, key)
	}
	for key := range want {
		t.Errorf("no simulation result for %s", key)
	}

	// The trust policy admits only lambda.amazonaws.com, the administrator
	// included (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html).
	if e := r.AdminAssumeRole; e == nil || e.Code != "AccessDenied" || e.Status != 403 {
		t.Errorf("the administrator's AssumeRole of the function's role: %+v, want a 403 AccessDenied", e)
	}
	if !strings.HasSuffix(r.SessionIdentity, ":assumed-role/ProcessOrderFunction-role/boto3-peer") {
		t.Errorf("the assumed session is %q, want the role's", r.SessionIdentity)
	}
	if r.PublishAllowed != nil || !slices.Equal(orderIDs(t, r.QueuedAfterAllowed), []string{"BOTO3-ALLOWED"}) {
		t.Errorf("publish allowed by the role's policy: error %+v, queued %v; want it delivered once", r.PublishAllowed, r.QueuedAfterAllowed)
	}
	denied := func(what string, e awsError, queued []string) {
		t.Helper()
		if e == nil || e.Code != "AuthorizationError" || e.Status != 403 || !strings.Contains(e.Message, "not authorized to perform: sns:Publish") {
			t.Errorf("%s: %+v, want a 403 AuthorizationError naming sns:Publish", what, e)
		}
		if len(queued) != 0 {
			t.Errorf("%s: queued %v, want nothing", what, queued)
		}
	}
	denied("publish once the role's policy lacks sns:Publish", r.PublishNarrowed, r.QueuedAfterNarrowed)
	if r.PublishRestored != nil || !slices.Equal(orderIDs(t, r.QueuedAfterRestored), []string{"BOTO3-RESTORED"}) {
		t.Errorf("publish with the policy restored: error %+v, queued %v", r.PublishRestored, r.QueuedAfterRestored)
	}
	denied("publish to another topic", r.PublishOtherTopic, r.QueuedOtherAfterRole)
	if !slices.Equal(orderIDs(t, r.QueuedOtherAfterAdmin), []string{"BOTO3-ADMIN"}) {
		t.Errorf("the administrator's publish to the other topic queued %v: the control failed, the denial proves nothing", r.QueuedOtherAfterAdmin)
	}
}
