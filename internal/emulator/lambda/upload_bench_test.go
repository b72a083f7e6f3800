package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// largeZip is a package of n incompressible bytes, stored, so the zip is
// as large as its content.
func largeZip(tb testing.TB, n int) []byte {
	tb.Helper()
	data := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(data)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Store}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = w.Write(data)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// serveCall sends a request straight to the service's handler as the
// dispatcher would after authenticating it.
func serveCall(svc *Service, method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	call := &service.Call{Context: context.Background(), Service: "lambda", Region: "us-east-1", Account: "000000000000",
		RequestID: service.UUID(), Now: time.Now()}
	req = req.WithContext(service.WithCall(req.Context(), call))
	call.Context = req.Context()
	rec := httptest.NewRecorder()
	svc.ServeHTTP(rec, req)
	return rec
}

// BenchmarkCreateFunctionLargeZip: the server's side of a CreateFunction
// with a 16 MB package (a 22 MB body): reading, decoding, validating and
// storing it. B/op is what the upload costs in memory.
func BenchmarkCreateFunctionLargeZip(b *testing.B) {
	st, err := store.Open(b.TempDir(), store.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := New(st, Options{CodeDir: b.TempDir(), Roles: fakeRoles{testRole: true}})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	zipBytes := largeZip(b, 16<<20)
	body, err := json.Marshal(map[string]any{
		"FunctionName": "big", "Runtime": "provided.al2023", "Role": testRole, "Handler": "bootstrap",
		"Code": map[string]any{"ZipFile": zipBytes},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if rec := serveCall(svc, http.MethodPost, "/2015-03-31/functions", body); rec.Code != http.StatusCreated {
			b.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		b.StopTimer()
		if rec := serveCall(svc, http.MethodDelete, "/2015-03-31/functions/big", nil); rec.Code != http.StatusNoContent {
			b.Fatalf("delete: %d %s", rec.Code, rec.Body)
		}
		b.StartTimer()
	}
}
