package iam

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// maxListMembers bounds how many "X.member.N" entries a request may carry, so
// a hostile form cannot make us walk millions of indices.
const maxListMembers = 1000

// form wraps the request parameters with the lookups awsQuery needs: scalar
// values, "Name.member.N" lists and "Name.member.N.Field" structures.
type form url.Values

func (f form) get(name string) string { return url.Values(f).Get(name) }

func (f form) has(name string) bool {
	_, ok := f[name]
	return ok
}

// list returns the values of Name.member.1, Name.member.2, ... up to the
// first gap, as the SDKs serialize lists.
func (f form) list(name string) []string {
	var out []string
	for i := 1; i <= maxListMembers; i++ {
		v, ok := f[name+".member."+strconv.Itoa(i)]
		if !ok {
			break
		}
		if len(v) > 0 {
			out = append(out, v[0])
		} else {
			out = append(out, "")
		}
	}
	return out
}

// structs returns the key prefixes ("Name.member.N.") of the members of a
// list of structures, 1..N up to the first gap.
func (f form) structs(name string) []string {
	base := name + ".member."
	present := map[int]bool{}
	for k := range f {
		rest, ok := strings.CutPrefix(k, base)
		if !ok {
			continue
		}
		idx, _, found := strings.Cut(rest, ".")
		if !found {
			continue
		}
		if n, err := strconv.Atoi(idx); err == nil && n >= 1 && n <= maxListMembers {
			present[n] = true
		}
	}
	var prefixes []string
	for i := 1; present[i]; i++ {
		prefixes = append(prefixes, base+strconv.Itoa(i)+".")
	}
	return prefixes
}

// validationError is IAM's constraint violation, worded as AWS words it.
func validationError(format string, args ...any) *service.Error {
	return service.Errorf(400, "ValidationError", "1 validation error detected: "+format, args...)
}

func invalidInput(format string, args ...any) *service.Error {
	return service.Errorf(400, "InvalidInput", format, args...)
}

func noSuchEntity(format string, args ...any) *service.Error {
	return service.Errorf(404, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) *service.Error {
	return service.Errorf(409, "EntityAlreadyExists", format, args...)
}

func deleteConflict(format string, args ...any) *service.Error {
	return service.Errorf(409, "DeleteConflict", format, args...)
}

func limitExceeded(format string, args ...any) *service.Error {
	return service.Errorf(409, "LimitExceeded", format, args...)
}

func malformed(format string, args ...any) *service.Error {
	return service.Errorf(400, "MalformedPolicyDocument", format, args...)
}

var namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)

// required returns the named parameter, or the ValidationError AWS answers
// when a required member is missing.
func (f form) required(param, member string) (string, error) {
	v := f.get(param)
	if v == "" {
		return "", validationError("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	return v, nil
}

// name reads a required entity name (role, user, policy) and checks AWS's
// pattern and length.
func (f form) name(param, member string, max int) (string, error) {
	v, err := f.required(param, member)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(v) > max {
		return "", validationError("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", v, member, max)
	}
	if !namePattern.MatchString(v) {
		return "", validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+", v, member)
	}
	return v, nil
}

// policyARN reads a required policy ARN parameter. The model's arnType
// bounds its length (a ValidationError); an ARN that is not shaped as an
// IAM policy ARN is InvalidInput "ARN ... is not valid." (AttachRolePolicy
// and the other policy operations answer that with 400, before looking the
// policy up).
func (f form) policyARN(param, member string) (string, error) {
	v, err := f.required(param, member)
	if err != nil {
		return "", err
	}
	if len(v) < 20 {
		return "", validationError("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to 20", v, member)
	}
	if len(v) > 2048 {
		return "", validationError("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 2048", v, member)
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "iam" ||
		parts[3] != "" || parts[4] == "" || !strings.HasPrefix(parts[5], "policy/") || strings.TrimSpace(v) != v {
		return "", invalidInput("ARN %s is not valid.", v)
	}
	return v, nil
}

var pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7e]+/)$`)

// path reads an optional IAM path; "/" when absent.
func (f form) path(param, member string) (string, error) {
	v := f.get(param)
	if v == "" {
		return "/", nil
	}
	if len(v) > 512 || !pathPattern.MatchString(v) {
		return "", validationError("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", v, member)
	}
	return v, nil
}

// pathPrefix reads an optional PathPrefix filter; "/" when absent.
func (f form) pathPrefix() (string, error) {
	v := f.get("PathPrefix")
	if v == "" {
		return "/", nil
	}
	if len(v) > 512 || v[0] != '/' {
		return "", validationError("Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*", v)
	}
	return v, nil
}

// intRange reads an optional integer parameter bounded by [min, max].
func (f form) intRange(param, member string, min, max int64) (int64, bool, error) {
	raw := f.get(param)
	if raw == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, false, validationError("Value '%s' at '%s' failed to satisfy constraint: Member must be an integer", raw, member)
	}
	if n < min {
		return 0, false, validationError("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", n, member, min)
	}
	if n > max {
		return 0, false, validationError("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, member, max)
	}
	return n, true, nil
}

// boolParam reads an optional boolean parameter.
func (f form) boolParam(param string) (bool, error) {
	switch raw := f.get(param); raw {
	case "":
		return false, nil
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	default:
		return false, validationError("Value '%s' at '%s' failed to satisfy constraint: Member must be a boolean", raw, lowerFirst(param))
	}
}

// description reads an optional Description bounded by max characters.
func (f form) description(max int) (string, error) {
	v := f.get("Description")
	if utf8.RuneCountInString(v) > max {
		return "", validationError("Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", max)
	}
	return v, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// tags reads Tags.member.N.Key / .Value.
func (f form) tags() ([]Tag, error) {
	var out []Tag
	seen := map[string]bool{}
	for _, p := range f.structs("Tags") {
		k, v := f.get(p+"Key"), f.get(p+"Value")
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
		if seen[strings.ToLower(k)] {
			return nil, invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(k)] = true
		out = append(out, Tag{Key: k, Value: v})
	}
	if len(out) > 50 {
		return nil, limitExceeded("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	return out, nil
}

var (
	tagKeyPattern   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValuePattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

func checkTag(k, v string) error {
	if k == "" || utf8.RuneCountInString(k) > 128 || !tagKeyPattern.MatchString(k) {
		return validationError("Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", k)
	}
	if utf8.RuneCountInString(v) > 256 || !tagValuePattern.MatchString(v) {
		return validationError("Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", v)
	}
	return nil
}

// mergeTags applies TagX semantics: new keys are appended, existing keys
// (case-insensitively, as IAM compares them) get the new value.
func mergeTags(cur, add []Tag) ([]Tag, error) {
	out := append([]Tag(nil), cur...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, limitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

func removeTags(cur []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range cur {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// page cuts one page out of a list: marker is the opaque token of the
// first item to return, maxItems defaults to 100.
func page[T any](f form, items []T, key func(T) string) (out []T, truncated bool, next string, err error) {
	max, ok, err := f.intRange("MaxItems", "maxItems", 1, 1000)
	if err != nil {
		return nil, false, "", err
	}
	if !ok {
		max = 100
	}
	start := 0
	if m := f.get("Marker"); m != "" {
		from, derr := decodeMarker(m)
		if derr != nil {
			return nil, false, "", invalidInput("Invalid Marker.")
		}
		// The marker names the first item of the page: find it; if it is
		// gone since, resume at the next key (lists are in key order).
		start = -1
		for i, it := range items {
			if key(it) == from {
				start = i
				break
			}
		}
		if start < 0 {
			start = 0
			for start < len(items) && key(items[start]) < from {
				start++
			}
		}
	}
	end := start + int(max)
	if end >= len(items) {
		return items[start:], false, "", nil
	}
	return items[start:end], true, encodeMarker(key(items[end])), nil
}

func encodeMarker(k string) string { return "m" + url.QueryEscape(k) }

func decodeMarker(m string) (string, error) {
	if !strings.HasPrefix(m, "m") {
		return "", fmt.Errorf("marker %q", m)
	}
	return url.QueryUnescape(m[1:])
}
