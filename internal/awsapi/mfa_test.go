package awsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orders-dev/orders/internal/config"
)

const assumeRoleXML = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAMFA</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`

// mfaProfile writes a profile "mfa" that assumes a role with MFA, its STS
// answered by a server that wants TokenCode 123456.
func mfaProfile(t *testing.T) (*atomic.Int32, config.Config) {
	dir := isolate(t)
	cfgFile := filepath.Join(dir, "config")
	os.WriteFile(cfgFile, []byte(`[profile base]
aws_access_key_id = AKIDBASE
aws_secret_access_key = s
[profile mfa]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
region = us-east-1
`), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	var assumed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		form, _ := url.ParseQuery(r.Form.Encode())
		if form.Get("Action") != "AssumeRole" || form.Get("TokenCode") != "123456" || form.Get("SerialNumber") != "arn:aws:iam::123456789012:mfa/alice" {
			w.WriteHeader(403)
			w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>MFA failed</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
			return
		}
		assumed.Add(1)
		w.Write([]byte(assumeRoleXML))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	cfg := config.Default()
	cfg.Profile = "mfa"
	return &assumed, cfg
}

func TestMFAProfileAsksForTheCode(t *testing.T) {
	assumed, cfg := mfaProfile(t)
	var asked []string
	ctx := ContextWithMFAPrompt(context.Background(), func(serial string) (string, error) {
		asked = append(asked, serial)
		return "123456", nil
	})
	c, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New with an MFA profile: %v", err)
	}
	creds, err := c.AWS.Credentials.Retrieve(ctx)
	if err != nil || creds.AccessKeyID != "ASIAMFA" {
		t.Fatalf("credentials %q, %v; want the role's", creds.AccessKeyID, err)
	}
	if len(asked) != 1 || asked[0] != "arn:aws:iam::123456789012:mfa/alice" || assumed.Load() != 1 {
		t.Errorf("asked %q, assumed %d times; want the code asked once for the device", asked, assumed.Load())
	}
}

func TestMFAProfileWithoutATerminal(t *testing.T) {
	_, cfg := mfaProfile(t)
	_, err := New(context.Background(), cfg)
	if !errors.Is(err, ErrMFACodeNeeded) || !strings.Contains(err.Error(), "mfa/alice") || !strings.Contains(err.Error(), "get-session-token") {
		t.Errorf("err = %v, want an MFA code needed naming the device and the way out", err)
	}
}

func TestExpiredSSOSessionSaysSSOLogin(t *testing.T) {
	dir := isolate(t)
	cfgFile := filepath.Join(dir, "config")
	os.WriteFile(cfgFile, []byte(`[profile work]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1
`), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("HOME", dir) // no ~/.aws/sso/cache: never logged in
	cfg := config.Default()
	cfg.Profile = "work"
	_, err := New(context.Background(), cfg)
	if !errors.Is(err, ErrSSOExpired) || !strings.Contains(err.Error(), "aws sso login --profile work") {
		t.Errorf("err = %v, want the SSO session expired with `aws sso login --profile work`", err)
	}
}
