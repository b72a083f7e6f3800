package iam

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// awsmanaged.json holds a few AWS managed policies with their real
// documents, so roles can attach the usual ones (AWSLambdaBasicExecutionRole,
// AdministratorAccess, ...) and `orders verify` can flag them as it would on
// AWS. They exist in every account under arn:aws:iam::aws:policy/PATH/NAME.
//
//go:embed awsmanaged.json
var awsManagedJSON []byte

type awsManagedEntry struct {
	PolicyName       string
	Path             string
	DefaultVersionId string
	CreateDate       time.Time
	UpdateDate       time.Time
	Document         json.RawMessage
}

func loadAWSManaged() (map[string]*managedPolicy, error) {
	var entries []awsManagedEntry
	if err := json.Unmarshal(awsManagedJSON, &entries); err != nil {
		return nil, fmt.Errorf("decode built-in AWS managed policies: %w", err)
	}
	out := make(map[string]*managedPolicy, len(entries))
	for _, e := range entries {
		// Served indented, as IAM serves AWS managed documents.
		var buf bytes.Buffer
		if err := json.Indent(&buf, e.Document, "", "    "); err != nil {
			return nil, fmt.Errorf("built-in policy %s: %w", e.PolicyName, err)
		}
		doc := buf.String()
		parsed, err := parseDocument(doc, identityDoc, "policyDocument")
		if err != nil {
			return nil, fmt.Errorf("built-in policy %s: %w", e.PolicyName, err)
		}
		arn := "arn:aws:iam::aws:policy" + e.Path + e.PolicyName
		sum := sha256.Sum256([]byte(arn))
		p := &managedPolicy{
			Account: "aws", Name: e.PolicyName, Path: e.Path, ARN: arn,
			// Stable across restarts, shaped like AWS's ANPA... ids.
			ID:      "ANPA" + idFromHash(sum[:], 17),
			Created: e.CreateDate, Updated: e.UpdateDate,
			DefaultVersion: e.DefaultVersionId,
			Versions:       []policyVersion{{ID: e.DefaultVersionId, Document: doc, Created: e.UpdateDate, parsed: parsed}},
			AWSManaged:     true,
		}
		out[strings.ToLower(arn)] = p
	}
	return out, nil
}

// idFromHash maps hash bytes onto AWS's unique-id alphabet.
func idFromHash(b []byte, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[int(b[i%len(b)])%len(alphabet)]
	}
	return string(out)
}
