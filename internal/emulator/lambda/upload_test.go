package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// TestReadUploadMatchesJSON: readUpload decodes what encoding/json would,
// whichever way the body spells the zip.
func TestReadUploadMatchesJSON(t *testing.T) {
	zipBytes := []byte("PK\x03\x04 any bytes \xff\xfe\x00 will do here ???>>>")
	b64 := base64.StdEncoding.EncodeToString(zipBytes)
	cases := map[string]string{
		"plain":        `{"FunctionName":"fn","Code":{"S3Bucket":"b","ZipFile":"` + b64 + `"},"Handler":"h"}`,
		"whitespace":   "{ \"Code\" : { \"ZipFile\" : \"" + b64 + "\" } , \"FunctionName\" : \"fn\" }",
		"escaped":      `{"FunctionName":"fn","Code":{"ZipFile":"` + strings.NewReplacer("/", `\/`, "+", `\u002b`).Replace(b64) + `"}}`,
		"json newline": `{"Code":{"ZipFile":"` + b64[:8] + `\n` + b64[8:] + `"}}`,
		"other case":   `{"code":{"zipfile":"` + b64 + `"}}`,
		"key escapes":  `{"Code":{"Zip\u0046ile":"` + b64 + `"}}`,
		"nested noise": `{"Unknown":{"ZipFile":"x","k":["ZipFile",{"ZipFile":1}]},"Tags":{"ZipFile":"x"},"Code":{"ZipFile":"` + b64 + `"}}`,
		"last wins":    `{"Code":{"ZipFile":"AAAA","ZipFile":"` + b64 + `"}}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			var want, got createInput
			if err := json.Unmarshal([]byte(body), &want); err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", "/2015-03-31/functions", strings.NewReader(body))
			zip, err := readUpload(req, &got, "Code", "ZipFile")
			if err != nil {
				t.Fatal(err)
			}
			if zip != nil && got.Code != nil && got.Code.ZipFile == nil {
				got.Code.ZipFile = zip
			}
			if got.Code == nil || !bytes.Equal(got.Code.ZipFile, zipBytes) {
				t.Fatalf("zip = %+v, want %q", got.Code, zipBytes)
			}
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			if !bytes.Equal(wj, gj) {
				t.Errorf("decoded\n%s\nwant\n%s", gj, wj)
			}
		})
	}
}

// TestReadUploadRefuses: bad bodies get the error encoding/json's would
// (a SerializationException), and a zip over Lambda's limit a 413 as soon
// as the limit is passed, without reading the rest.
func TestReadUploadRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"bad base64":     `{"Code":{"ZipFile":"not base64!"}}`,
		"inner padding":  `{"Code":{"ZipFile":"QQ==QUFB"}}`,
		"short":          `{"Code":{"ZipFile":"QUF"}}`,
		"truncated":      `{"Code":{"ZipFile":"QUFB`,
		"non-ascii":      `{"Code":{"ZipFile":"QUFB\u00e9"}}`,
		"bad json after": `{"Code":{"ZipFile":"QUFB"}},,`,
		"not a string":   `{"Code":{"ZipFile":12}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var in createInput
			req := httptest.NewRequest("POST", "/2015-03-31/functions", strings.NewReader(body))
			_, err := readUpload(req, &in, "Code", "ZipFile")
			if e := service.AsError(err); err == nil || e.HTTPStatus() != 400 || e.Code != "SerializationException" {
				t.Errorf("err = %v, want a 400 SerializationException", err)
			}
		})
	}

	t.Run("too large", func(t *testing.T) {
		// Lambda's limit (maxZipSize) scaled down to keep the test quick.
		const limit = 1 << 20
		total := int64(limit/3*4 + 1<<20)
		src := &countingReader{r: io.MultiReader(
			strings.NewReader(`{"Code":{"ZipFile":"`),
			io.LimitReader(repeatReader('A'), total),
			strings.NewReader(`"}}`),
		)}
		req := httptest.NewRequest("POST", "/2015-03-31/functions", src)
		err := newUploadScanner(req, limit, "Code", "ZipFile").scan()
		if e := service.AsError(err); err == nil || e.HTTPStatus() != 413 {
			t.Fatalf("err = %v, want 413", err)
		}
		if src.n >= total {
			t.Errorf("read %d of %d bytes: want it to stop at the limit", src.n, total)
		}
	})
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	block := bytes.Repeat([]byte{byte(r)}, 4096)
	n := 0
	for n < len(p) {
		n += copy(p[n:], block)
	}
	return n, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
