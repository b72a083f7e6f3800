package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// authServer serves DynamoDB-shaped (awsJson), SNS-shaped (awsQuery) and
// Lambda-shaped (REST) echo services with the given options.
func authServer(t *testing.T, opts Options) (*httptest.Server, *echoJSON) {
	t.Helper()
	if opts.Identity == nil {
		opts.Identity = issued{}
	}
	s := New(opts)
	h := &echoJSON{}
	s.JSON("dynamodb", "DynamoDB_20120810", protocol.JSONService{ContentType: "application/x-amz-json-1.0", ErrorNamespace: "com.amazonaws.dynamodb.v20120810#"}, h, []string{"Echo"})
	s.JSON("sqs", "AmazonSQS", protocol.JSONService{ContentType: "application/x-amz-json-1.0", ErrorNamespace: "com.amazonaws.sqs#", QueryCompatible: true}, h, []string{"Echo"})
	s.Query("sns", protocol.QueryService{XMLNamespace: "http://sns.amazonaws.com/doc/2010-03-31/"}, echoQuery{}, []string{"CreateTopic", "Unsubscribe"})
	s.REST("lambda", []string{"/2015-03-31/"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protocol.WriteRESTJSON(w, 200, "id", map[string]string{"principal": service.CallFrom(r.Context()).Principal.ARN})
	}))
	s.Public(func(r *http.Request) bool { return r.URL.Path == "/public.pem" }, true)
	s.REST("sns", []string{"/public.pem"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "cert") }))
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, h
}

type authCase struct {
	name, method, path, target, contentType, body string
}

var authCases = []authCase{
	{"dynamodb", "POST", "/", "DynamoDB_20120810.Echo", "application/x-amz-json-1.0", "{}"},
	{"sqs", "POST", "/", "AmazonSQS.Echo", "application/x-amz-json-1.0", "{}"},
	{"sns", "POST", "/", "", "application/x-www-form-urlencoded", "Action=CreateTopic&Name=t"},
	{"lambda", "GET", "/2015-03-31/functions", "", "", ""},
}

func (c authCase) request(t *testing.T, base string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.target != "" {
		req.Header.Set("X-Amz-Target", c.target)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	return req
}

func sign(t *testing.T, req *http.Request, body, svc, akid, secret string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), svc, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

// errorCodeOf reads the error code the way the SDKs do for each protocol.
func errorCodeOf(resp *http.Response, body []byte) string {
	if q := resp.Header.Get("X-Amzn-Query-Error"); q != "" {
		code, _, _ := strings.Cut(q, ";")
		return code
	}
	if t := resp.Header.Get("X-Amzn-Errortype"); t != "" {
		return t
	}
	s := string(body)
	if i := strings.Index(s, "<Code>"); i >= 0 {
		return s[i+6 : i+strings.Index(s[i:], "</Code>")]
	}
	if i := strings.Index(s, `"__type":"`); i >= 0 {
		rest := s[i+10:]
		typ := rest[:strings.Index(rest, `"`)]
		if j := strings.LastIndex(typ, "#"); j >= 0 {
			typ = typ[j+1:]
		}
		return typ
	}
	return ""
}

func send(t *testing.T, req *http.Request) (*http.Response, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, errorCodeOf(resp, b), string(b)
}

// TestUnsignedRefused: a request without a signature, or with one that is
// not a complete SigV4 signature, is refused in each protocol's own words;
// it never acts as the account's administrator (which let a principal
// whose policy denies it drop its signature and do anything).
func TestUnsignedRefused(t *testing.T) {
	srv, h := authServer(t, Options{})
	want := map[string]struct {
		status        int
		missing, bad  string
		badStatus     int
		unrecognized  string
		unrecStatus   int
		expired       string
		expiredStatus int
	}{
		"dynamodb": {400, "MissingAuthenticationTokenException", "IncompleteSignatureException", 400, "UnrecognizedClientException", 403, "InvalidSignatureException", 403},
		"sqs":      {403, "MissingAuthenticationToken", "IncompleteSignature", 400, "InvalidClientTokenId", 403, "SignatureDoesNotMatch", 403},
		"sns":      {403, "MissingAuthenticationToken", "IncompleteSignature", 400, "InvalidClientTokenId", 403, "SignatureDoesNotMatch", 403},
		"lambda":   {403, "MissingAuthenticationTokenException", "IncompleteSignatureException", 403, "UnrecognizedClientException", 403, "InvalidSignatureException", 403},
	}
	for _, c := range authCases {
		w := want[c.name]
		t.Run(c.name+"/unsigned", func(t *testing.T) {
			h.lastCall = nil
			resp, code, body := send(t, c.request(t, srv.URL))
			if resp.StatusCode != w.status || code != w.missing {
				t.Fatalf("unsigned: %d %s, want %d %s: %s", resp.StatusCode, code, w.status, w.missing, body)
			}
			if h.lastCall != nil {
				t.Fatal("an unsigned request reached the service")
			}
		})
		good := "AWS4-HMAC-SHA256 Credential=AKIDANY/20250101/us-east-1/" + c.name + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("a", 64)
		for name, auth := range map[string]string{
			"no aws4_request":   strings.Replace(good, "/aws4_request", "/aws5", 1),
			"short scope":       "AWS4-HMAC-SHA256 Credential=AKIDANY/us-east-1, SignedHeaders=host, Signature=" + strings.Repeat("a", 64),
			"no SignedHeaders":  strings.Replace(good, "SignedHeaders=host;x-amz-date, ", "", 1),
			"no Signature":      strings.Replace(good, ", Signature="+strings.Repeat("a", 64), "", 1),
			"garbage Signature": strings.Replace(good, strings.Repeat("a", 64), "zz", 1),
			"other algorithm":   strings.Replace(good, "AWS4-HMAC-SHA256", "AWS4-HMAC-MD5", 1),
			"no date":           good,
		} {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				h.lastCall = nil
				req := c.request(t, srv.URL)
				req.Header.Set("Authorization", auth)
				if name != "no date" {
					req.Header.Set("X-Amz-Date", time.Now().UTC().Format(amzDateFormat))
				}
				resp, code, body := send(t, req)
				if resp.StatusCode != w.badStatus || code != w.bad {
					t.Fatalf("%d %s, want %d %s: %s", resp.StatusCode, code, w.badStatus, w.bad, body)
				}
				if h.lastCall != nil {
					t.Fatal("a malformed signature reached the service")
				}
			})
		}
	}
	// What AWS hands out to be fetched unsigned stays unsigned.
	resp, _, body := send(t, mustRequest(t, "GET", srv.URL+"/public.pem"))
	if resp.StatusCode != 200 || body != "cert" {
		t.Fatalf("public URL: %d %s", resp.StatusCode, body)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestStrictAcceptsOnlyRootAndIssued: under AuthStrict a key the emulator
// did not issue is refused (UnrecognizedClientException / InvalidClientTokenId);
// the root key and issued keys are served, the root key as the account's
// root and only with its own secret.
func TestStrictAcceptsOnlyRootAndIssued(t *testing.T) {
	root := Key{AccessKeyID: "AKIAROOTROOTROOTROOT", SecretAccessKey: "rootsecret"}
	srv, h := authServer(t, Options{Auth: AuthStrict, RootKey: root})
	for _, c := range authCases {
		t.Run(c.name, func(t *testing.T) {
			req := c.request(t, srv.URL)
			sign(t, req, c.body, c.name, "AKIDANY", "whatever", time.Now())
			h.lastCall = nil
			resp, code, body := send(t, req)
			wantCode := map[string]string{"dynamodb": "UnrecognizedClientException", "lambda": "UnrecognizedClientException"}[c.name]
			if wantCode == "" {
				wantCode = "InvalidClientTokenId"
			}
			if resp.StatusCode != 403 || code != wantCode {
				t.Fatalf("unknown key: %d %s, want 403 %s: %s", resp.StatusCode, code, wantCode, body)
			}
			if h.lastCall != nil {
				t.Fatal("an unknown key reached the service")
			}

			req = c.request(t, srv.URL)
			sign(t, req, c.body, c.name, root.AccessKeyID, "not-the-root-secret", time.Now())
			if resp, code, body := send(t, req); resp.StatusCode != 403 || code == "" {
				t.Fatalf("root key, wrong secret: %d %s: %s", resp.StatusCode, code, body)
			}

			req = c.request(t, srv.URL)
			sign(t, req, c.body, c.name, root.AccessKeyID, root.SecretAccessKey, time.Now())
			if resp, code, body := send(t, req); resp.StatusCode != 200 {
				t.Fatalf("root key: %d %s: %s", resp.StatusCode, code, body)
			}
		})
	}
	req := authCases[0].request(t, srv.URL)
	req.Header.Set("X-Amz-Security-Token", "tok")
	sum := sha256.Sum256([]byte("{}"))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "ASIAISSUED", SecretAccessKey: "secret", SessionToken: "tok"},
		req, hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if resp, code, body := send(t, req); resp.StatusCode != 200 || h.lastCall.Principal.RoleName != "R" {
		t.Fatalf("issued key in strict mode: %d %s: %s", resp.StatusCode, code, body)
	}
}

// TestSignatureClockSkew: a signature more than 15 minutes from the
// emulator's clock is refused, whatever the key, so a captured request
// cannot be replayed later; the answer's Date is the emulator's clock, which
// the SDKs use to correct their own.
func TestSignatureClockSkew(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	srv, h := authServer(t, Options{SignatureNow: func() time.Time { return now }})
	for _, c := range authCases {
		for name, at := range map[string]time.Time{
			"20 min ago":      now.Add(-20 * time.Minute),
			"20 min ahead":    now.Add(20 * time.Minute),
			"2020":            time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			"2031":            time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
			"14 min ago (ok)": now.Add(-14 * time.Minute),
		} {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				req := c.request(t, srv.URL)
				sign(t, req, c.body, c.name, "AKIDANY", "whatever", at)
				h.lastCall = nil
				resp, code, body := send(t, req)
				if strings.HasSuffix(name, "(ok)") {
					if resp.StatusCode != 200 {
						t.Fatalf("within 15 minutes: %d %s: %s", resp.StatusCode, code, body)
					}
					return
				}
				wantCode := "SignatureDoesNotMatch"
				if c.name == "dynamodb" || c.name == "lambda" {
					wantCode = "InvalidSignatureException"
				}
				if resp.StatusCode != 403 || code != wantCode || !strings.Contains(body, "Signature") {
					t.Fatalf("%d %s, want 403 %s: %s", resp.StatusCode, code, wantCode, body)
				}
				if !strings.Contains(body, "Signature expired") && !strings.Contains(body, "Signature not yet current") {
					t.Errorf("message does not say the signature is expired: %s", body)
				}
				if h.lastCall != nil {
					t.Fatal("an expired signature reached the service")
				}
				if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || !d.Equal(now) {
					t.Errorf("Date %q, want the emulator's clock %s", resp.Header.Get("Date"), now.Format(http.TimeFormat))
				}
			})
		}
	}
}

// TestPublicRoutes: a route public only outside strict mode (a URL AWS
// presigns, which the emulator does not) asks for a signature under
// AuthStrict; a public one stays unsigned in both modes.
func TestPublicRoutes(t *testing.T) {
	for _, mode := range []AuthMode{AuthOpen, AuthStrict} {
		s := New(Options{Auth: mode, RootKey: Key{AccessKeyID: "AKIAROOT", SecretAccessKey: "s"}})
		s.REST("lambda", []string{"/2015-03-31/"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "zip") }))
		s.Public(func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/code") }, false)
		srv := httptest.NewServer(s)
		resp, code, body := send(t, mustRequest(t, "GET", srv.URL+"/2015-03-31/functions/f/code"))
		switch {
		case mode == AuthOpen && (resp.StatusCode != 200 || body != "zip"):
			t.Errorf("open: unsigned code download: %d %s %s", resp.StatusCode, code, body)
		case mode == AuthStrict && (resp.StatusCode != 403 || code != "MissingAuthenticationTokenException"):
			t.Errorf("strict: unsigned code download: %d %s %s", resp.StatusCode, code, body)
		}
		// Only what the route names is public.
		if resp, code, _ := send(t, mustRequest(t, "GET", srv.URL+"/2015-03-31/functions/f")); resp.StatusCode != 403 || code != "MissingAuthenticationTokenException" {
			t.Errorf("%s: unsigned GetFunction: %d %s", mode, resp.StatusCode, code)
		}
		srv.Close()
	}
}
