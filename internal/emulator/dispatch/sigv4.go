package dispatch

import (
	"errors"
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

const sigv4Algorithm = "AWS4-HMAC-SHA256"

// errUnsigned is parseAuthorization's answer for a request with no
// Authorization header at all.
var errUnsigned = errors.New("request is not signed")

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=hex". It answers errUnsigned for
// a request without an Authorization header, and an error naming what is
// missing for a header that is not a complete SigV4 signature: such a
// request is refused, never served as if it were unsigned.
func parseAuthorization(r *http.Request) (credential, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return credential{}, errUnsigned
	}
	if !strings.HasPrefix(h, sigv4Algorithm+" ") {
		algo, _, _ := strings.Cut(h, " ")
		return credential{}, errors.New("Unsupported AWS 'algorithm': '" + algo + "'")
	}
	var c credential
	var problems []string
	haveCred, haveHeaders, haveSig := false, false, false
	for _, part := range strings.Split(strings.TrimSpace(h[len(sigv4Algorithm):]), ",") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found {
			continue
		}
		switch k {
		case "Credential":
			haveCred = true
			f := strings.Split(v, "/")
			if len(f) != 5 || f[4] != "aws4_request" || f[0] == "" {
				problems = append(problems, "Credential should be scoped to correct service: 'aws4_request' (Credential=ACCESSKEY/yyyymmdd/region/service/aws4_request).")
				continue
			}
			c.AccessKeyID, c.Date, c.Region, c.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			haveHeaders = v != ""
			c.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			haveSig = isHex64(v)
			c.Signature = v
		}
	}
	if !haveCred {
		problems = append(problems, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		problems = append(problems, "Authorization header requires 'Signature' parameter (64 hex digits).")
	}
	if !haveHeaders {
		problems = append(problems, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(problems) > 0 {
		return credential{}, errors.New(strings.Join(problems, " ") + " Authorization=" + sigv4Algorithm)
	}
	return c, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
