package iam

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode"

	"github.com/orders-dev/orders/internal/iampolicy"
)

// Size quotas IAM applies to documents, counted without whitespace.
const (
	maxTrustChars   = 2048  // ACLSizePerRole
	maxInlineChars  = 10240 // RolePolicySize (all inline policies of a role)
	maxManagedChars = 6144  // PolicySize
	maxUserInline   = 2048  // UserPolicySize
)

// Kinds of documents parseDocument checks: identity policies (inline,
// managed) may not name a principal and must name resources; trust policies
// must name a principal, may not name resources and grant only sts actions.
const (
	identityDoc = iampolicy.KindIdentity
	trustDoc    = iampolicy.KindTrust
)

// nonSpaceLen counts a document's characters the way IAM's quotas do.
func nonSpaceLen(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// invalidJSON is IAM's answer to a document that is not JSON at all.
func invalidJSON() error { return malformed("This policy contains invalid Json") }

// isJSON reports whether doc, as sent or URL-decoded (IAM accepts both), is
// syntactically JSON.
func isJSON(doc string) bool {
	doc = strings.TrimSpace(doc)
	if json.Valid([]byte(doc)) {
		return true
	}
	for _, unescape := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
		if text, err := unescape(doc); err == nil && json.Valid([]byte(text)) {
			return true
		}
	}
	return false
}

// parseDocument validates doc as IAM does before storing it; any problem is
// a MalformedPolicyDocument naming it.
func parseDocument(doc string, kind iampolicy.PolicyKind, member string) (*iampolicy.Policy, error) {
	if doc == "" {
		return nil, validationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	if len(doc) > 131072 {
		return nil, validationError("Value at '%s' failed to satisfy constraint: Member must have length less than or equal to 131072", member)
	}
	p, err := iampolicy.Parse(doc)
	if err != nil {
		if !isJSON(doc) {
			return nil, invalidJSON()
		}
		return nil, malformed("%s", err.Error())
	}
	if err := p.Validate(kind); err != nil {
		return nil, malformed("%s", err.Error())
	}
	return p, nil
}
