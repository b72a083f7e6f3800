package sts

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// violations collects model-constraint failures and answers them as STS
// does: one 400 ValidationError, "N validation error(s) detected: ...".
type violations []string

func (v *violations) add(format string, args ...any) { *v = append(*v, fmt.Sprintf(format, args...)) }

func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return validationError("1 validation error detected: %s", v[0])
	default:
		return validationError("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
	}
}

// str checks a string member: required (present), length bounds in
// characters, and the model's pattern (rawPattern as AWS quotes it).
func (v *violations) str(member, value string, present bool, min, max int, pattern *regexp.Regexp, rawPattern string) {
	if !present {
		if min > 0 {
			v.add("Value null at '%s' failed to satisfy constraint: Member must not be null", member)
		}
		return
	}
	n := utf8.RuneCountInString(value)
	if n < min {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, member, min)
	}
	if n > max {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, max)
	}
	if pattern != nil && !pattern.MatchString(value) {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, member, rawPattern)
	}
}

// Session tag shapes of the STS model (tagKeyType, tagValueType, and at
// most 50 tags and transitive keys).
const (
	maxSessionTags    = 50
	rawTagKeyPattern  = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	rawTagValPattern  = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	maxTagKeyChars    = 128
	maxTagValueChars  = 256
	maxListedMembers  = 1000
	msgDuplicateTags  = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
	msgTransitiveTags = "The specified transitive tag key must be included in the requested tags."
)

var (
	tagKeyPattern   = regexp.MustCompile(`^` + rawTagKeyPattern + `$`)
	tagValuePattern = regexp.MustCompile(`^` + rawTagValPattern + `$`)
)

type sessionTag struct{ Key, Value string }

// readSessionTags reads Tags.member.N.{Key,Value} and
// TransitiveTagKeys.member.N, adding their constraint violations to v.
func readSessionTags(form url.Values, v *violations) ([]sessionTag, []string) {
	var tags []sessionTag
	for i := 1; i <= maxListedMembers; i++ {
		p := "Tags.member." + strconv.Itoa(i) + "."
		_, hasKey := form[p+"Key"]
		_, hasValue := form[p+"Value"]
		if !hasKey && !hasValue {
			break
		}
		t := sessionTag{Key: form.Get(p + "Key"), Value: form.Get(p + "Value")}
		m := "tags." + strconv.Itoa(i) + ".member."
		v.str(m+"key", t.Key, hasKey, 1, maxTagKeyChars, tagKeyPattern, rawTagKeyPattern)
		v.str(m+"value", t.Value, hasValue, 0, maxTagValueChars, tagValuePattern, rawTagValPattern)
		if !hasValue {
			v.add("Value null at '%svalue' failed to satisfy constraint: Member must not be null", m)
		}
		tags = append(tags, t)
	}
	if len(tags) > maxSessionTags {
		v.add("Value '%s' at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", renderTags(tags), maxSessionTags)
	}
	var keys []string
	for i := 1; i <= maxListedMembers; i++ {
		k, ok := form["TransitiveTagKeys.member."+strconv.Itoa(i)]
		if !ok {
			break
		}
		key := ""
		if len(k) > 0 {
			key = k[0]
		}
		v.str("transitiveTagKeys."+strconv.Itoa(i)+".member", key, true, 1, maxTagKeyChars, tagKeyPattern, rawTagKeyPattern)
		keys = append(keys, key)
	}
	if len(keys) > maxSessionTags {
		v.add("Value '[%s]' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", strings.Join(keys, ", "), maxSessionTags)
	}
	return tags, keys
}

func renderTags(tags []sessionTag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = "Tag(Key=" + t.Key + ", Value=" + t.Value + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkSessionTags applies the rules beyond the model: tag keys are unique
// regardless of case, and every transitive key names a requested tag.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html
func checkSessionTags(tags []sessionTag, transitive []string) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return invalidParameterValue(msgDuplicateTags)
		}
		seen[k] = true
	}
	for _, k := range transitive {
		if !seen[strings.ToLower(k)] {
			return invalidParameterValue(msgTransitiveTags)
		}
	}
	return nil
}

func invalidParameterValue(msg string) error {
	return service.Errorf(400, "InvalidParameterValue", "%s", msg)
}
