package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A profile that assumes its role with MFA: on a terminal, orders asks for
// the code on stderr and reads it from stdin, as the aws CLI does.
func TestMFACodeAskedOnTheTerminal(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	os.WriteFile(cfgFile, []byte("[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n"+
		"[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n"+
		"mfa_serial = arn:aws:iam::123456789012:mfa/alice\nregion = us-east-1\n"), 0o600)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	var codes atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("Action") == "AssumeRole" {
			codes.Store(r.Form.Get("TokenCode"))
			w.Write([]byte(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAMFA</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>tok</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/admin/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`))
			return
		}
		w.WriteHeader(400)
		w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>not here</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)

	ios, in, _, errOut := TestIO()
	ios.InTTY = true
	in.WriteString("123456\n")
	Run(context.Background(), Options{IO: ios}, []string{"--profile", "mfa", "status"})
	if !strings.Contains(errOut.String(), "Enter MFA code for arn:aws:iam::123456789012:mfa/alice: ") {
		t.Errorf("stderr %q: the code was not asked for", errOut.String())
	}
	if got, _ := codes.Load().(string); got != "123456" {
		t.Errorf("AssumeRole TokenCode %q, want the code typed", got)
	}
	if strings.Contains(errOut.String(), "no AWS credentials found") {
		t.Errorf("stderr %q", errOut.String())
	}
}
