package iampolicy

import (
	"strings"
	"unicode/utf8"
)

// Stand-ins for a literal '*' or '?' inside a glob pattern. They appear only
// where a policy variable was substituted (the ${*} and ${?} escapes, or a
// context value), so that text coming from the request is never a wildcard.
const (
	litStar     = '\x01'
	litQuestion = '\x02'
)

type patKind uint8

const (
	patAny    patKind = iota // "*"
	patExact                 // no wildcard
	patPrefix                // wildcards only as one trailing '*'
	patGlob                  // anything else
	patNever                 // matches nothing (an ArnLike value AWS cannot match)
)

// pattern is a compiled Action/Resource/StringLike value. Most policies use
// exact values, "*" or a trailing "*", which match without running the
// general wildcard algorithm.
type pattern struct {
	kind patKind
	text string    // exact text, prefix (without the '*'), or glob
	fold bool      // ASCII case-insensitive; text is lower-cased
	tpl  *template // non-nil when text holds policy variables
}

func compilePattern(s string, fold, variables bool) pattern {
	if variables {
		if t := parseTemplate(s); t != nil {
			return pattern{kind: patGlob, text: s, fold: fold, tpl: t}
		}
	}
	if fold {
		s = strings.ToLower(s)
	}
	p := pattern{text: s, fold: fold}
	switch i := strings.IndexAny(s, "*?"); {
	case s == "*":
		p.kind = patAny
	case i < 0:
		p.kind = patExact
	case i == len(s)-1 && s[i] == '*':
		p.kind, p.text = patPrefix, s[:i]
	default:
		p.kind = patGlob
	}
	return p
}

// match reports whether s matches. vars resolves policy variables; it is only
// consulted for patterns that hold them.
func (p *pattern) match(s string, vars varSource) bool {
	switch p.kind {
	case patAny:
		return true
	case patNever:
		return false
	case patExact:
		if p.fold {
			return len(s) == len(p.text) && hasPrefixFold(s, p.text)
		}
		return s == p.text
	case patPrefix:
		if p.fold {
			return hasPrefixFold(s, p.text)
		}
		return strings.HasPrefix(s, p.text)
	}
	pat := p.text
	if p.tpl != nil {
		resolved, ok := p.tpl.resolve(vars, true)
		if !ok {
			return false // a variable with no value matches nothing, as on AWS
		}
		if p.fold {
			resolved = strings.ToLower(resolved)
		}
		pat = resolved
	}
	return globMatch(pat, s, p.fold)
}

// resolves reports whether every policy variable in the pattern has a value
// (or a default) in the request; patterns without variables always do.
func (p *pattern) resolves(vars varSource) bool {
	if p.tpl == nil {
		return true
	}
	_, ok := p.tpl.resolve(vars, true)
	return ok
}

// hasPrefixFold reports whether s starts with lower, ignoring ASCII case in s
// (lower is already lower-case).
func hasPrefixFold(s, lower string) bool {
	if len(s) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		if toLower(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

func toLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// globMatch matches s against pat, where '*' matches any run of characters
// (including ':' and '/', as AWS does for ARNs) and '?' exactly one. It is the
// linear-time greedy algorithm with a single backtrack point. With fold, pat
// is lower-case and s is compared ASCII case-insensitively.
func globMatch(pat, s string, fold bool) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pat) {
			switch c := pat[pi]; c {
			case '*':
				starP, starS = pi, si
				pi++
				continue
			case '?':
				pi++
				si += runeLen(s, si)
				continue
			default:
				switch c {
				case litStar:
					c = '*'
				case litQuestion:
					c = '?'
				}
				sc := s[si]
				if fold {
					sc = toLower(sc)
				}
				if c == sc {
					pi++
					si++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS += runeLen(s, starS)
		pi, si = starP+1, starS
	}
	for pi < len(pat) && pat[pi] == '*' {
		pi++
	}
	return pi == len(pat)
}

func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }
