package iampolicy

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrMalformed is matched (errors.Is) by every error Parse and Validate
// return, so a caller can answer IAM's MalformedPolicyDocument.
var ErrMalformed = errors.New("malformed policy document")

// ParseError names what is wrong with a document and where.
type ParseError struct {
	// Statement is the index of the offending statement in the document's
	// Statement list (0 when Statement is a single object), or -1 for a
	// problem outside any statement.
	Statement int
	Problem   string
}

func (e *ParseError) Error() string {
	if e.Statement < 0 {
		return e.Problem
	}
	return fmt.Sprintf("Statement[%d]: %s", e.Statement, e.Problem)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

func docErr(format string, args ...any) error {
	return &ParseError{Statement: -1, Problem: fmt.Sprintf(format, args...)}
}

func stmtErr(i int, format string, args ...any) error {
	return &ParseError{Statement: i, Problem: fmt.Sprintf(format, args...)}
}

func errString(s string) error { return errors.New(s) }

func quote(s string) string { return strconv.Quote(s) }
