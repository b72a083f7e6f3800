package dynamodb

// The tokenizer shared by every expression kind (condition, filter, key
// condition, update, projection). Keywords are recognised by the parser
// from identifiers, case-insensitively, as DynamoDB does.

type tokKind uint8

const (
	tEOF      tokKind = iota
	tIdent            // attribute name, keyword or function name
	tName             // #placeholder
	tValue            // :placeholder
	tNumber           // digits, inside a list index
	tLParen           // (
	tRParen           // )
	tLBracket         // [
	tRBracket         // ]
	tComma            // ,
	tDot              // .
	tEq               // =
	tNe               // <>
	tLt               // <
	tLe               // <=
	tGt               // >
	tGe               // >=
	tPlus             // +
	tMinus            // -
	tInvalid          // a character no expression may contain
)

type token struct {
	kind     tokKind
	text     string
	pos, end int // byte offsets in the expression
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// lex splits an expression into tokens; the last is always tEOF.
func lex(s string) []token {
	toks := make([]token, 0, len(s)/3+2)
	i := 0
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		start := i
		kind := tInvalid
		switch {
		case isIdentStart(c):
			for i < len(s) && isIdentPart(s[i]) {
				i++
			}
			kind = tIdent
		case c >= '0' && c <= '9':
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			kind = tNumber
		case c == '#' || c == ':':
			i++
			for i < len(s) && isIdentPart(s[i]) {
				i++
			}
			if i-start > 1 {
				kind = tName
				if c == ':' {
					kind = tValue
				}
			}
		case c == '<':
			i++
			kind = tLt
			if i < len(s) && s[i] == '=' {
				i, kind = i+1, tLe
			} else if i < len(s) && s[i] == '>' {
				i, kind = i+1, tNe
			}
		case c == '>':
			i++
			kind = tGt
			if i < len(s) && s[i] == '=' {
				i, kind = i+1, tGe
			}
		default:
			i++
			switch c {
			case '(':
				kind = tLParen
			case ')':
				kind = tRParen
			case '[':
				kind = tLBracket
			case ']':
				kind = tRBracket
			case ',':
				kind = tComma
			case '.':
				kind = tDot
			case '=':
				kind = tEq
			case '+':
				kind = tPlus
			case '-':
				kind = tMinus
			default:
				// Report the whole (possibly multi-byte) character.
				for i < len(s) && s[i]&0xC0 == 0x80 {
					i++
				}
			}
		}
		toks = append(toks, token{kind: kind, text: s[start:i], pos: start, end: i})
	}
	return append(toks, token{kind: tEOF, text: "<EOF>", pos: len(s), end: len(s)})
}
