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
	"sync"
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

	key := signingKeys.get(secret, c.Date, c.Region, c.Service)
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(c.Signature)) {
		return fmt.Errorf("signature mismatch for %s %s", r.Method, r.URL.Path)
	}
	return nil
}

// signingKeyCache holds derived SigV4 signing keys. A key depends only on
// the secret, the scope's date, region and service, so a function's
// instance signs every request of a day with the same one; deriving it is
// four HMACs per request otherwise.
type signingKeyCache struct {
	mu sync.Mutex
	m  map[signingScope][]byte
}

type signingScope struct{ secret, date, region, service string }

// maxSigningKeys bounds the cache (one entry per credential, day, region
// and service); past it the cache starts over.
const maxSigningKeys = 1024

var signingKeys = &signingKeyCache{m: map[signingScope][]byte{}}

func (c *signingKeyCache) get(secret, date, region, svc string) []byte {
	k := signingScope{secret, date, region, svc}
	c.mu.Lock()
	key, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, svc)
	key = hmacSHA256(key, "aws4_request")
	c.mu.Lock()
	if len(c.m) >= maxSigningKeys {
		clear(c.m)
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
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
	// SigV4 sorts by the encoded names and values, which is not the order of
	// the decoded ones once non-ASCII or reserved characters appear.
	var parts []string
	for k, vals := range q {
		ek := escape(k, true)
		for _, v := range vals {
			parts = append(parts, ek+"="+escape(v, true))
		}
	}
	sort.Slice(parts, func(i, j int) bool {
		ki, vi, _ := strings.Cut(parts[i], "=")
		kj, vj, _ := strings.Cut(parts[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
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
