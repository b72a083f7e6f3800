package dispatch

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// verifySignature recomputes the SigV4 signature of r with secret and
// compares it with the one sent. Only credentials the emulator issued are
// checked: it is what makes a stolen access key id without its secret, or a
// tampered request, fail as it would on AWS.
func verifySignature(r *http.Request, body []byte, c credential, secret string) error {
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return errors.New("missing X-Amz-Date")
	}
	if len(amzDate) < 8 || amzDate[:8] != c.Date {
		return errors.New("X-Amz-Date does not match the credential scope date")
	}
	// The signature covers the declared payload hash; what makes a swapped
	// body fail is checking that declaration against the body received.
	sum := sha256.Sum256(body)
	received := hex.EncodeToString(sum[:])
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case payloadHash == "" || payloadHash == "UNSIGNED-PAYLOAD" && r.TLS == nil:
		payloadHash = received
	case payloadHash != "UNSIGNED-PAYLOAD" && payloadHash != received:
		return errors.New("X-Amz-Content-Sha256 is not the hash of the body received")
	}
	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	canon.WriteString(canonicalURI(r.URL) + "\n")
	canon.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range c.SignedHeaders {
		canon.WriteString(h + ":" + canonicalHeaderValue(r, h) + "\n")
	}
	canon.WriteString("\n" + strings.Join(c.SignedHeaders, ";") + "\n")
	canon.WriteString(payloadHash)

	scope := strings.Join([]string{c.Date, c.Region, c.Service, "aws4_request"}, "/")
	crHash := sha256.Sum256([]byte(canon.String()))
	stringToSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])

	key := hmacSHA256([]byte("AWS4"+secret), c.Date)
	key = hmacSHA256(key, c.Region)
	key = hmacSHA256(key, c.Service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(c.Signature)) {
		return fmt.Errorf("signature mismatch for %s %s", r.Method, r.URL.Path)
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalURI escapes the path as sent once more, as SigV4 does for every
// service but S3.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return escape(p, false)
}

func canonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, escape(k, true)+"="+escape(v, true))
		}
	}
	return strings.Join(parts, "&")
}

func canonicalHeaderValue(r *http.Request, name string) string {
	if name == "host" {
		return r.Host
	}
	if name == "content-length" && r.Header.Get("Content-Length") == "" && r.ContentLength >= 0 {
		return fmt.Sprint(r.ContentLength)
	}
	vals := r.Header.Values(name)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// escape is SigV4's URI encoding: unreserved characters stay, everything
// else is %XX; '/' stays in paths.
func escape(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
