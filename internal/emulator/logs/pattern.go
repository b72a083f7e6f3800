package logs

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CloudWatch Logs filter patterns, as FilterLogEvents applies them:
//
//   - terms: `ERROR timeout` matches events containing every term
//     (case-sensitive); `"connection reset"` is a phrase; `?ERROR ?WARN`
//     matches events with any of the ?-terms; `-DEBUG` excludes events
//     containing DEBUG; `%regex%` is a regular expression.
//   - JSON: `{ $.level = "ERROR" && ($.latency > 100 || $.user NOT EXISTS) }`
//     with =, !=, <, >, <=, >= (strings may use * wildcards), IS NULL,
//     IS TRUE, IS FALSE, EXISTS, NOT EXISTS; only events that are JSON match.
//
// Space-delimited patterns ([ip, user, ...]) are refused with a clear error
// rather than silently matching the wrong events.

type matcher func(msg string) bool

// maxFilterPattern is the longest filter pattern, in characters.
const maxFilterPattern = 1024

func compilePattern(p string) (matcher, error) {
	// FilterPattern is at most 1,024 characters (the CloudWatch Logs API's
	// FilterPattern shape: max 1024); a longer one is refused before it is
	// compiled, as AWS's validation does.
	if n := utf8.RuneCountInString(p); n > maxFilterPattern {
		return nil, invalidParameter("1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to %d (it has %d characters)", maxFilterPattern, n)
	}
	p = strings.TrimSpace(p)
	switch {
	case p == "" || p == `""`:
		return func(string) bool { return true }, nil
	case strings.HasPrefix(p, "{"):
		return compileJSONPattern(p)
	case strings.HasPrefix(p, "["):
		return nil, invalidParameter("Space-delimited filter patterns ([...]) are not supported by the orders emulator; use terms or a JSON pattern.")
	}
	return compileTerms(p)
}

type term struct {
	text     string
	re       *regexp.Regexp
	optional bool // ?term
	exclude  bool // -term
}

func (t term) in(msg string) bool {
	if t.re != nil {
		return t.re.MatchString(msg)
	}
	return strings.Contains(msg, t.text)
}

func compileTerms(p string) (matcher, error) {
	var terms []term
	for i := 0; i < len(p); {
		if p[i] == ' ' || p[i] == '\t' || p[i] == '\n' {
			i++
			continue
		}
		var t term
		switch p[i] {
		case '?':
			t.optional = true
			i++
		case '-':
			if i+1 < len(p) && p[i+1] != ' ' {
				t.exclude = true
				i++
			}
		}
		if i >= len(p) {
			return nil, invalidParameter("Invalid filter pattern %q: a term is missing after its prefix", p)
		}
		switch p[i] {
		case '"':
			text, n, ok := quoted(p[i:])
			if !ok {
				return nil, invalidParameter("Invalid filter pattern %q: unterminated quoted phrase", p)
			}
			t.text, i = text, i+n
		case '%':
			end := strings.IndexByte(p[i+1:], '%')
			if end < 0 {
				return nil, invalidParameter("Invalid filter pattern %q: unterminated regular expression", p)
			}
			re, err := regexp.Compile(p[i+1 : i+1+end])
			if err != nil {
				return nil, invalidParameter("Invalid filter pattern %q: %v", p, err)
			}
			t.re, i = re, i+end+2
		default:
			end := strings.IndexAny(p[i:], " \t\n")
			if end < 0 {
				end = len(p) - i
			}
			t.text, i = p[i:i+end], i+end
		}
		terms = append(terms, t)
	}
	return func(msg string) bool {
		anyOptional, optionalHit := false, false
		for _, t := range terms {
			hit := t.in(msg)
			switch {
			case t.exclude:
				if hit {
					return false
				}
			case t.optional:
				anyOptional = true
				optionalHit = optionalHit || hit
			default:
				if !hit {
					return false
				}
			}
		}
		return !anyOptional || optionalHit
	}, nil
}

// quoted reads a double-quoted string at the start of s (with \" and \\
// escapes) and returns its text and how many bytes it took.
func quoted(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), i + 1, true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, false
}

// JSON patterns.

type jsonExpr func(doc any) bool

type jsonParser struct {
	src  string
	toks []string
	i    int
}

func compileJSONPattern(p string) (matcher, error) {
	toks, err := lexJSONPattern(p)
	if err != nil {
		return nil, err
	}
	jp := &jsonParser{src: p, toks: toks}
	if !jp.accept("{") {
		return nil, jp.fail("expected {")
	}
	expr, err := jp.or()
	if err != nil {
		return nil, err
	}
	if !jp.accept("}") || jp.i != len(jp.toks) {
		return nil, jp.fail("expected } at the end")
	}
	return func(msg string) bool {
		var doc any
		if json.Unmarshal([]byte(msg), &doc) != nil {
			return false
		}
		return expr(doc)
	}, nil
}

func (jp *jsonParser) fail(what string) error {
	return invalidParameter("Invalid filter pattern %q: %s", jp.src, what)
}

func (jp *jsonParser) peek() string {
	if jp.i < len(jp.toks) {
		return jp.toks[jp.i]
	}
	return ""
}

func (jp *jsonParser) accept(tok string) bool {
	if jp.peek() == tok {
		jp.i++
		return true
	}
	return false
}

func (jp *jsonParser) or() (jsonExpr, error) {
	left, err := jp.and()
	if err != nil {
		return nil, err
	}
	for jp.accept("||") {
		right, err := jp.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(d any) bool { return l(d) || right(d) }
	}
	return left, nil
}

func (jp *jsonParser) and() (jsonExpr, error) {
	left, err := jp.unary()
	if err != nil {
		return nil, err
	}
	for jp.accept("&&") {
		right, err := jp.unary()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(d any) bool { return l(d) && right(d) }
	}
	return left, nil
}

func (jp *jsonParser) unary() (jsonExpr, error) {
	if jp.accept("(") {
		e, err := jp.or()
		if err != nil {
			return nil, err
		}
		if !jp.accept(")") {
			return nil, jp.fail("expected )")
		}
		return e, nil
	}
	sel := jp.peek()
	if !strings.HasPrefix(sel, "$") {
		return nil, jp.fail("expected a selector such as $.field")
	}
	jp.i++
	path, err := parseSelector(sel)
	if err != nil {
		return nil, jp.fail(err.Error())
	}
	op := jp.peek()
	jp.i++
	switch strings.ToUpper(op) {
	case "IS":
		what := strings.ToUpper(jp.peek())
		jp.i++
		switch what {
		case "NULL":
			return func(d any) bool { v, ok := lookup(d, path); return ok && v == nil }, nil
		case "TRUE", "FALSE":
			want := what == "TRUE"
			return func(d any) bool { v, ok := lookup(d, path); b, isBool := v.(bool); return ok && isBool && b == want }, nil
		}
		return nil, jp.fail("expected NULL, TRUE or FALSE after IS")
	case "NOT":
		if !strings.EqualFold(jp.peek(), "EXISTS") {
			return nil, jp.fail("expected EXISTS after NOT")
		}
		jp.i++
		return func(d any) bool { _, ok := lookup(d, path); return !ok }, nil
	case "EXISTS":
		return func(d any) bool { _, ok := lookup(d, path); return ok }, nil
	case "=", "!=", "<", ">", "<=", ">=":
	default:
		return nil, jp.fail("expected a comparison after " + sel)
	}
	raw := jp.peek()
	if raw == "" || raw == "}" || raw == ")" || raw == "&&" || raw == "||" {
		return nil, jp.fail("expected a value after " + op)
	}
	jp.i++
	return comparison(path, op, raw)
}

// comparison builds `selector op value`. Strings compare with * wildcards,
// numbers numerically.
func comparison(path []any, op, raw string) (jsonExpr, error) {
	isString := strings.HasPrefix(raw, `"`)
	text := raw
	if isString {
		text, _, _ = quoted(raw)
	}
	num, numErr := strconv.ParseFloat(text, 64)
	isNumber := !isString && numErr == nil
	if op != "=" && op != "!=" && !isNumber {
		return nil, invalidParameter("Invalid filter pattern: %s needs a number, got %s", op, raw)
	}
	var wildcard *regexp.Regexp
	if strings.Contains(text, "*") {
		wildcard = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(text), `\*`, ".*") + "$")
	}
	equal := func(v any) bool {
		switch x := v.(type) {
		case string:
			if wildcard != nil {
				return wildcard.MatchString(x)
			}
			return x == text
		case float64:
			return isNumber && x == num
		case bool:
			return !isString && strconv.FormatBool(x) == text
		}
		return false
	}
	return func(d any) bool {
		v, ok := lookup(d, path)
		if !ok {
			return false
		}
		switch op {
		case "=":
			return equal(v)
		case "!=":
			return !equal(v)
		}
		x, isNum := v.(float64)
		if !isNum {
			return false
		}
		switch op {
		case "<":
			return x < num
		case ">":
			return x > num
		case "<=":
			return x <= num
		default:
			return x >= num
		}
	}, nil
}

// parseSelector turns $.a.b[2].c into ["a", "b", 2, "c"].
func parseSelector(sel string) ([]any, error) {
	var path []any
	rest := sel[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			name := rest[1 : 1+end]
			if name == "" {
				return nil, errSelector(sel)
			}
			path = append(path, name)
			rest = rest[1+end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, errSelector(sel)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, errSelector(sel)
			}
			path = append(path, n)
			rest = rest[end+1:]
		default:
			return nil, errSelector(sel)
		}
	}
	return path, nil
}

type selectorError string

func (e selectorError) Error() string { return "invalid selector " + string(e) }

func errSelector(sel string) error { return selectorError(sel) }

func lookup(doc any, path []any) (any, bool) {
	cur := doc
	for _, step := range path {
		switch k := step.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := cur.([]any)
			if !ok || k >= len(a) {
				return nil, false
			}
			cur = a[k]
		}
	}
	return cur, true
}

// lexJSONPattern splits a JSON pattern into tokens: braces, parentheses,
// && and ||, comparison operators, quoted strings and bare words.
func lexJSONPattern(p string) ([]string, error) {
	var toks []string
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '{' || c == '}' || c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case strings.HasPrefix(p[i:], "&&") || strings.HasPrefix(p[i:], "||") ||
			strings.HasPrefix(p[i:], "!=") || strings.HasPrefix(p[i:], "<=") || strings.HasPrefix(p[i:], ">="):
			toks = append(toks, p[i:i+2])
			i += 2
		case c == '=' || c == '<' || c == '>':
			toks = append(toks, string(c))
			i++
		case c == '"':
			_, n, ok := quoted(p[i:])
			if !ok {
				return nil, invalidParameter("Invalid filter pattern %q: unterminated string", p)
			}
			toks = append(toks, p[i:i+n])
			i += n
		default:
			j := i
			for j < len(p) && !unicode.IsSpace(rune(p[j])) && !strings.ContainsRune("{}()=<>!&|\"", rune(p[j])) {
				j++
			}
			if j == i {
				return nil, invalidParameter("Invalid filter pattern %q: unexpected %q", p, string(c))
			}
			toks = append(toks, p[i:j])
			i = j
		}
	}
	return toks, nil
}
