package lambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// FuzzRequest sends arbitrary methods, paths and bodies through the
// dispatcher to the service: every answer is a well-formed Lambda answer,
// never a 500 or a panic.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/2015-03-31/functions", []byte(`{"FunctionName":"f","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/r","Handler":"bootstrap","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`))
	f.Add("PUT", "/2015-03-31/functions/f/configuration", []byte(`{"Timeout":"x"}`))
	f.Add("GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af", []byte(nil))
	f.Add("POST", "/2015-03-31/functions/f/invocations", []byte(`{`))
	f.Add("GET", "/2015-03-31/functions/?MaxItems=0&Marker=%%%", []byte(nil))

	st, err := store.Open(f.TempDir(), store.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := New(st, Options{CodeDir: f.TempDir(), Roles: fakeRoles{testRole: true}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		_ = svc.Close()
		_ = st.Close()
	})
	d := dispatch.New(dispatch.Options{})
	svc.Register(d)

	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://localhost"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request any client could send
		}
		signTest(t, req, body)
		rec := httptest.NewRecorder()
		d.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s -> %d %s", method, path, rec.Code, rec.Body.String())
		}
		if rec.Code >= 400 && rec.Header().Get("X-Amzn-Errortype") == "" {
			t.Fatalf("%s %s -> %d without X-Amzn-ErrorType", method, path, rec.Code)
		}
	})
}

// signTest signs req with keys the dispatcher does not know (so it acts as
// the account's administrator), as any SDK would.
func signTest(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"},
		req, hex.EncodeToString(sum[:]), "lambda", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}
