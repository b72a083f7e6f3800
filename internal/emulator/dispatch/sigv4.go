package dispatch

import (
	"net/http"
	"strings"
)

// credential is what a SigV4 Authorization header says about its signer.
type credential struct {
	AccessKeyID   string
	Date          string // yyyymmdd of the scope
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex". ok is false for requests
// that are not SigV4-signed.
func parseAuthorization(r *http.Request) (credential, bool) {
	h := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256"
	if !strings.HasPrefix(h, algo) {
		return credential{}, false
	}
	var c credential
	for _, part := range strings.Split(strings.TrimSpace(h[len(algo):]), ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" {
				return credential{}, false
			}
			c.AccessKeyID, c.Date, c.Region, c.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			c.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			c.Signature = v
		}
	}
	if c.AccessKeyID == "" {
		return credential{}, false
	}
	return c, true
}
