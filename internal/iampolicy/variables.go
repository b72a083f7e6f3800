package iampolicy

import "strings"

// varSource answers policy variables and condition keys: the request.
type varSource = *Request

var (
	unescapeLiterals = strings.NewReplacer(string(litStar), "*", string(litQuestion), "?")
	escapeWildcards  = strings.NewReplacer("*", string(litStar), "?", string(litQuestion))
)

// template is a value holding policy variables, e.g.
// "arn:aws:iam::*:user/${aws:username}" or "${aws:username, 'nobody'}".
type template struct{ parts []tplPart }

type tplPart struct {
	lit    string // literal text, when key is empty
	key    string // variable name
	def    string // default value, when hasDef
	hasDef bool
}

// parseTemplate returns nil when s holds no ${...}.
func parseTemplate(s string) *template {
	if !strings.Contains(s, "${") {
		return nil
	}
	t := &template{}
	rest := s
	found := false
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: rest[:i]})
		}
		inner := strings.TrimSpace(rest[i+2 : i+j])
		rest = rest[i+j+1:]
		found = true
		switch inner {
		case "*":
			t.parts = append(t.parts, tplPart{lit: string(litStar)})
			continue
		case "?":
			t.parts = append(t.parts, tplPart{lit: string(litQuestion)})
			continue
		case "$":
			t.parts = append(t.parts, tplPart{lit: "$"})
			continue
		}
		part := tplPart{key: inner}
		if k, d, ok := strings.Cut(inner, ","); ok {
			d = strings.TrimSpace(d)
			if len(d) >= 2 && d[0] == '\'' && d[len(d)-1] == '\'' {
				part = tplPart{key: strings.TrimSpace(k), def: d[1 : len(d)-1], hasDef: true}
			}
		}
		t.parts = append(t.parts, part)
	}
	if !found {
		return nil
	}
	if rest != "" {
		t.parts = append(t.parts, tplPart{lit: rest})
	}
	return t
}

// resolve substitutes the variables from req. ok is false when a variable has
// no value and no default: AWS then treats the value as matching nothing.
// forGlob keeps substituted text literal inside a wildcard pattern.
func (t *template) resolve(req varSource, forGlob bool) (string, bool) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.key == "" {
			lit := p.lit
			if !forGlob {
				lit = unescapeLiterals.Replace(lit)
			}
			b.WriteString(lit)
			continue
		}
		v, ok := req.lookup(p.key)
		val := ""
		switch {
		case ok:
			val = v[0]
		case p.hasDef:
			val = p.def
		default:
			return "", false
		}
		if forGlob {
			val = escapeWildcards.Replace(val)
		}
		b.WriteString(val)
	}
	return b.String(), true
}
