package dynamodb

import (
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// maxExpressionSize is AWS's limit on one expression string (4 KB).
const maxExpressionSize = 4096

// exprEnv holds a request's ExpressionAttributeNames / Values and records
// which were used, so unused ones can be rejected as AWS does.
type exprEnv struct {
	names      map[string]string
	values     map[string]Value
	usedNames  map[string]bool
	usedValues map[string]bool
}

func newExprEnv(names map[string]string, values map[string]Value) *exprEnv {
	return &exprEnv{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
}

// semClass orders the semantic problems of an expression: AWS reports the
// most important kind first, whatever their order in the text.
type semClass uint8

const (
	semUnknownFunction semClass = iota
	semMisusedFunction
	semReserved
	semSection
	semAttrName
	semAttrValue
	semOperandCount
	semDistinct
	semPathOverlap
	semPathConflict
	semOperand
	semFunction
	numSemClasses
)

var (
	conditionPriority  = []semClass{semUnknownFunction, semMisusedFunction, semReserved, semAttrName, semAttrValue, semOperandCount, semDistinct, semFunction}
	updatePriority     = []semClass{semReserved, semUnknownFunction, semSection, semAttrName, semAttrValue, semPathOverlap, semPathConflict, semOperand, semOperandCount, semFunction}
	projectionPriority = []semClass{semReserved, semAttrName, semPathOverlap, semPathConflict}
)

// parseFailure unwinds the recursive descent on a syntax error; it never
// escapes this file's entry points.
type parseFailure struct{ msg string }

type parser struct {
	kind string // "ConditionExpression", "UpdateExpression", ...
	src  string
	toks []token
	i    int
	env  *exprEnv
	sem  [numSemClasses]string
	// update marks update-expression syntax (SET/REMOVE/ADD/DELETE are
	// keywords; + - and the update functions are allowed).
	update bool
}

func newParser(kind, src string, env *exprEnv) *parser {
	return &parser{kind: kind, src: src, toks: lex(src), env: env}
}

func (p *parser) errorf(msg string) *service.Error {
	return service.Validation("Invalid %s: %s", p.kind, msg)
}

// run executes fn, turning a syntax failure or the most important semantic
// problem into AWS's ValidationException.
func (p *parser) run(priority []semClass, fn func()) (err *service.Error) {
	if strings.TrimSpace(p.src) == "" {
		return p.errorf("The expression can not be empty;")
	}
	if len(p.src) > maxExpressionSize {
		return p.errorf("Expression size has exceeded the maximum allowed size; expression size: " + strconv.Itoa(len(p.src)))
	}
	defer func() {
		if r := recover(); r != nil {
			pf, ok := r.(parseFailure)
			if !ok {
				panic(r)
			}
			err = p.errorf(pf.msg)
		}
	}()
	fn()
	for _, c := range priority {
		if p.sem[c] != "" {
			return p.errorf(p.sem[c])
		}
	}
	return nil
}

func (p *parser) note(c semClass, msg string) {
	if p.sem[c] == "" {
		p.sem[c] = msg
	}
}

func (p *parser) peek() token        { return p.toks[p.i] }
func (p *parser) peekAt(n int) token { return p.toks[min(p.i+n, len(p.toks)-1)] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// syntaxError reports t the way AWS does: the token, and the text around
// it from the previous token to the next.
func (p *parser) syntaxError(t token) {
	idx := 0
	for idx < len(p.toks)-1 && p.toks[idx].pos < t.pos {
		idx++
	}
	start, end := t.pos, t.end
	if idx > 0 {
		start = p.toks[idx-1].pos
	}
	if t.kind != tEOF && idx+1 < len(p.toks) && p.toks[idx+1].kind != tEOF {
		end = p.toks[idx+1].end
	}
	near := strings.TrimSpace(p.src[start:end])
	panic(parseFailure{msg: `Syntax error; token: "` + t.text + `", near: "` + near + `"`})
}

func (p *parser) expect(k tokKind) token {
	t := p.next()
	if t.kind != k {
		p.syntaxError(t)
	}
	return t
}

func isKeyword(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

// keyword reports whether t is a keyword of the expression being parsed,
// which can then never be an attribute name.
func (p *parser) keyword(t token) bool {
	if t.kind != tIdent {
		return false
	}
	if p.update {
		for _, kw := range actionNames {
			if strings.EqualFold(t.text, kw) {
				return true
			}
		}
		return false
	}
	for _, kw := range [...]string{"AND", "OR", "NOT", "BETWEEN", "IN"} {
		if strings.EqualFold(t.text, kw) {
			return true
		}
	}
	return false
}

// --- paths ---------------------------------------------------------------

func (p *parser) resolveName(t token) string {
	name, ok := p.env.names[t.text]
	if !ok {
		p.note(semAttrName, "An expression attribute name used in the document path is not defined; attribute name: "+t.text)
		return t.text
	}
	p.env.usedNames[t.text] = true
	return name
}

func (p *parser) resolveValue(t token) Value {
	v, ok := p.env.values[t.text]
	if !ok {
		p.note(semAttrValue, "An expression attribute value used in expression is not defined; attribute value: "+t.text)
		return Value{Kind: KindNULL, Bool: true}
	}
	p.env.usedValues[t.text] = true
	return v
}

func (p *parser) pathName(t token) string {
	switch {
	case t.kind == tName:
		return p.resolveName(t)
	case t.kind == tIdent && !p.keyword(t):
		if isReserved(t.text) {
			p.note(semReserved, "Attribute name is a reserved keyword; reserved keyword: "+t.text)
		}
		return t.text
	}
	p.syntaxError(t)
	return ""
}

func (p *parser) parsePath() docPath {
	path := docPath{{name: p.pathName(p.next())}}
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			path = append(path, pathElem{name: p.pathName(p.next())})
		case tLBracket:
			p.next()
			t := p.expect(tNumber)
			n, err := strconv.Atoi(t.text)
			if err != nil || n > 1<<30 {
				p.syntaxError(t)
			}
			p.expect(tRBracket)
			path = append(path, pathElem{index: n, isIndex: true})
		default:
			return path
		}
	}
}

// --- conditions ----------------------------------------------------------

var conditionFunctions = map[string]int{
	"attribute_exists":     1,
	"attribute_not_exists": 1,
	"attribute_type":       2,
	"begins_with":          2,
	"contains":             2,
	"size":                 1,
}

func (p *parser) parseOr() *cond {
	c := p.parseAnd()
	for isKeyword(p.peek(), "OR") {
		p.next()
		c = &cond{kind: cOr, l: c, r: p.parseAnd()}
	}
	return c
}

func (p *parser) parseAnd() *cond {
	c := p.parseNot()
	for isKeyword(p.peek(), "AND") {
		p.next()
		c = &cond{kind: cAnd, l: c, r: p.parseNot()}
	}
	return c
}

func (p *parser) parseNot() *cond {
	if isKeyword(p.peek(), "NOT") {
		p.next()
		return &cond{kind: cNot, l: p.parseNot()}
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() *cond {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		c := p.parseOr()
		p.expect(tRParen)
		return c
	}
	if t.kind == tIdent && p.peekAt(1).kind == tLParen && t.text != "size" && !p.keyword(t) {
		name := t.text
		args := p.parseCall()
		c := &cond{kind: cFunc, op: name, args: args}
		p.checkConditionFunction(name, args)
		if isComparison(p.peek()) {
			p.note(semMisusedFunction, "The function is not allowed to be used this way in an expression; function: "+name)
			return p.parseComparisonTail(&operand{kind: opInvalid})
		}
		return c
	}
	return p.parseComparisonTail(p.parseOperand())
}

func isComparison(t token) bool {
	switch t.kind {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		return true
	}
	return isKeyword(t, "BETWEEN") || isKeyword(t, "IN")
}

func (p *parser) parseComparisonTail(left *operand) *cond {
	t := p.peek()
	switch t.kind {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		p.next()
		right := p.parseOperand()
		p.checkDistinct(t.text, left, right)
		return &cond{kind: cCmp, op: t.text, args: []*operand{left, right}}
	}
	switch {
	case isKeyword(t, "BETWEEN"):
		p.next()
		lo := p.parseOperand()
		if !isKeyword(p.peek(), "AND") {
			p.syntaxError(p.peek())
		}
		p.next()
		hi := p.parseOperand()
		p.checkBetween(lo, hi)
		return &cond{kind: cBetween, op: "BETWEEN", args: []*operand{left, lo, hi}}
	case isKeyword(t, "IN"):
		p.next()
		p.expect(tLParen)
		args := []*operand{left, p.parseOperand()}
		for p.peek().kind == tComma {
			p.next()
			args = append(args, p.parseOperand())
		}
		p.expect(tRParen)
		if len(args) > 101 {
			p.note(semOperandCount, "Incorrect number of operands for operator or function; operator or function: IN, number of operands: "+strconv.Itoa(len(args)))
		}
		return &cond{kind: cIn, op: "IN", args: args}
	}
	if left.kind == opSize {
		// size() alone is not a condition.
		p.note(semMisusedFunction, "The function is not allowed to be used this way in an expression; function: size")
		return &cond{kind: cFunc, op: "size", args: left.args}
	}
	p.syntaxError(t)
	return nil
}

// parseCall parses name(arg, ...) and returns the arguments.
func (p *parser) parseCall() []*operand {
	p.next() // name
	p.expect(tLParen)
	args := []*operand{p.parseOperand()}
	for p.peek().kind == tComma {
		p.next()
		args = append(args, p.parseOperand())
	}
	p.expect(tRParen)
	return args
}

// parseOperand: a path, a :value, or size(...) in conditions; in updates
// also if_not_exists, list_append and parenthesised values.
func (p *parser) parseOperand() *operand {
	t := p.peek()
	switch t.kind {
	case tValue:
		p.next()
		return &operand{kind: opValue, val: p.resolveValue(t)}
	case tName:
		return &operand{kind: opPath, path: p.parsePath()}
	case tIdent:
		if p.peekAt(1).kind == tLParen && !p.keyword(t) {
			return p.parseFunctionOperand(t.text)
		}
		return &operand{kind: opPath, path: p.parsePath()}
	case tLParen:
		if p.update {
			p.next()
			o := p.parseSetValue()
			p.expect(tRParen)
			return o
		}
	}
	p.syntaxError(t)
	return nil
}

func (p *parser) parseFunctionOperand(name string) *operand {
	args := p.parseCall()
	if p.update {
		switch name {
		case "if_not_exists":
			p.checkCount(name, args, 2)
			if len(args) > 0 && args[0].kind != opPath {
				p.note(semFunction, "Operator or function requires a document path; operator or function: "+name)
			}
			return &operand{kind: opIfNotExists, args: args}
		case "list_append":
			p.checkCount(name, args, 2)
			for _, a := range args {
				if a.kind == opValue && a.val.Kind != KindL {
					p.note(semFunction, "Incorrect operand type for operator or function; operator or function: list_append, operand type: "+a.val.Kind.String())
				}
			}
			return &operand{kind: opListAppend, args: args}
		}
		p.note(semUnknownFunction, "Invalid function name; function: "+name)
		return &operand{kind: opInvalid}
	}
	if name == "size" {
		p.checkConditionFunction(name, args)
		return &operand{kind: opSize, args: args}
	}
	if _, known := conditionFunctions[name]; known {
		p.checkConditionFunction(name, args)
		p.note(semMisusedFunction, "The function is not allowed to be used this way in an expression; function: "+name)
	} else {
		p.note(semUnknownFunction, "Invalid function name; function: "+name)
	}
	return &operand{kind: opInvalid}
}

func (p *parser) checkCount(name string, args []*operand, want int) bool {
	if len(args) != want {
		p.note(semOperandCount, "Incorrect number of operands for operator or function; operator or function: "+name+", number of operands: "+strconv.Itoa(len(args)))
		return false
	}
	return true
}

func (p *parser) operandTypeError(name string, k Kind) {
	p.note(semFunction, "Incorrect operand type for operator or function; operator or function: "+name+", operand type: "+k.String())
}

// checkConditionFunction validates arity and the types of literal
// operands, as AWS does before evaluating anything.
func (p *parser) checkConditionFunction(name string, args []*operand) {
	want, known := conditionFunctions[name]
	if !known {
		p.note(semUnknownFunction, "Invalid function name; function: "+name)
		return
	}
	if !p.checkCount(name, args, want) {
		return
	}
	switch name {
	case "attribute_exists", "attribute_not_exists":
		if args[0].kind != opPath {
			p.note(semFunction, "Operator or function requires a document path; operator or function: "+name)
		}
	case "attribute_type":
		if args[0].kind != opPath {
			p.note(semFunction, "Operator or function requires a document path; operator or function: "+name)
			return
		}
		if args[1].kind != opValue {
			p.note(semFunction, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
			return
		}
		if args[1].val.Kind != KindS {
			p.operandTypeError(name, args[1].val.Kind)
			return
		}
		if kindByName(args[1].val.S) == KindNone {
			p.note(semFunction, "Invalid attribute type name found; type: "+args[1].val.S+", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}")
		}
	case "begins_with":
		for _, a := range args {
			if a.kind == opValue && a.val.Kind != KindS && a.val.Kind != KindB {
				p.operandTypeError(name, a.val.Kind)
				return
			}
		}
		p.checkDistinct(name, args[0], args[1])
	case "contains":
		p.checkDistinct(name, args[0], args[1])
	case "size":
		if args[0].kind == opSize {
			p.operandTypeError(name, KindN) // size(size(x)): a number has no size
		}
		if a := args[0]; a.kind == opValue {
			switch a.val.Kind {
			case KindN, KindBOOL, KindNULL:
				p.operandTypeError(name, a.val.Kind)
			}
		}
	}
}

func samePath(a, b docPath) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (p *parser) checkDistinct(op string, a, b *operand) {
	if a.kind == opPath && b.kind == opPath && samePath(a.path, b.path) {
		p.note(semDistinct, "The first operand must be distinct from the remaining operands for this operator or function; operator: "+op+", first operand: "+a.path.String())
	}
}

func (p *parser) checkBetween(lo, hi *operand) {
	if lo.kind != opValue || hi.kind != opValue {
		return
	}
	a, b := lo.val, hi.val
	desc := func(v Value) string { return "AttributeValue: {" + v.Kind.String() + ":" + scalarText(v) + "}" }
	if a.Kind != b.Kind {
		p.note(semFunction, "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: "+desc(a)+", upper bound operand: "+desc(b))
		return
	}
	if c, ok := compareScalars(a, b); ok && c > 0 {
		p.note(semFunction, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: "+desc(a)+", upper bound operand: "+desc(b))
	}
}

func scalarText(v Value) string {
	switch v.Kind {
	case KindS, KindN:
		return v.S
	case KindBOOL:
		return strconv.FormatBool(v.Bool)
	}
	b, _ := v.MarshalJSON()
	return string(b)
}

// --- updates -------------------------------------------------------------

func (p *parser) parseUpdateExpr() *updateExpr {
	ue := &updateExpr{}
	var seen [4]bool
	for p.peek().kind != tEOF {
		t := p.next()
		kind := -1
		for i, kw := range actionNames {
			if isKeyword(t, kw) {
				kind = i
			}
		}
		if kind < 0 {
			p.syntaxError(t)
		}
		if seen[kind] {
			p.note(semSection, `The "`+actionNames[kind]+`" section can only be used once in an update expression;`)
		}
		seen[kind] = true
		for {
			ue.actions = append(ue.actions, p.parseAction(actionKind(kind)))
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
	}
	p.checkOverlaps(ue)
	return ue
}

func (p *parser) parseAction(kind actionKind) updateAction {
	a := updateAction{kind: kind, path: p.parsePath()}
	switch kind {
	case actSet:
		p.expect(tEq)
		a.val = p.parseSetValue()
	case actAdd, actDelete:
		t := p.expect(tValue)
		a.val = &operand{kind: opValue, val: p.resolveValue(t)}
		p.checkAddDelete(kind, a.val.val)
	}
	return a
}

func (p *parser) parseSetValue() *operand {
	left := p.parseOperand()
	switch p.peek().kind {
	case tPlus, tMinus:
		t := p.next()
		right := p.parseOperand()
		for _, o := range []*operand{left, right} {
			if o.kind == opValue && o.val.Kind != KindN {
				p.operandTypeError(t.text, o.val.Kind)
			}
		}
		kind := opPlus
		if t.kind == tMinus {
			kind = opMinus
		}
		return &operand{kind: kind, args: []*operand{left, right}}
	}
	return left
}

var updateTypeNames = map[Kind]string{
	KindS: "STRING", KindN: "NUMBER", KindB: "BINARY", KindNULL: "NULL",
	KindBOOL: "BOOLEAN", KindL: "LIST", KindM: "MAP",
}

func (p *parser) checkAddDelete(kind actionKind, v Value) {
	ok := false
	switch v.Kind {
	case KindSS, KindNS, KindBS:
		ok = true
	case KindN:
		ok = kind == actAdd
	}
	if !ok {
		p.note(semOperand, "Incorrect operand type for operator or function; operator: "+actionNames[kind]+", operand type: "+updateTypeNames[v.Kind])
	}
}

// checkOverlaps rejects two actions on the same or nested paths.
func (p *parser) checkOverlaps(ue *updateExpr) {
	paths := make([]docPath, len(ue.actions))
	for i, a := range ue.actions {
		paths[i] = a.path
	}
	p.checkPathSet(paths)
}

func (p *parser) checkPathSet(paths []docPath) {
	for i := 1; i < len(paths); i++ {
		for j := 0; j < i; j++ {
			a, b := paths[j], paths[i]
			overlap := true
			for k := 0; k < len(a) && k < len(b); k++ {
				if a[k].isIndex != b[k].isIndex {
					p.note(semPathConflict, "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: "+a.String()+", path two: "+b.String())
					overlap = false
					break
				}
				if a[k] != b[k] {
					overlap = false
					break
				}
			}
			if overlap {
				p.note(semPathOverlap, "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: "+a.String()+", path two: "+b.String())
			}
		}
	}
}

// --- entry points --------------------------------------------------------

// parseCondition parses a ConditionExpression, FilterExpression or
// KeyConditionExpression (kind names which, for messages).
func parseCondition(kind, src string, env *exprEnv) (*cond, error) {
	p := newParser(kind, src, env)
	var c *cond
	if err := p.run(conditionPriority, func() {
		c = p.parseOr()
		if t := p.peek(); t.kind != tEOF {
			p.syntaxError(t)
		}
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// parseUpdate parses an UpdateExpression.
func parseUpdate(src string, env *exprEnv) (*updateExpr, error) {
	p := newParser("UpdateExpression", src, env)
	p.update = true
	var ue *updateExpr
	if err := p.run(updatePriority, func() { ue = p.parseUpdateExpr() }); err != nil {
		return nil, err
	}
	return ue, nil
}

// parseProjection parses a ProjectionExpression: paths separated by commas.
func parseProjection(src string, env *exprEnv) ([]docPath, error) {
	p := newParser("ProjectionExpression", src, env)
	var paths []docPath
	if err := p.run(projectionPriority, func() {
		paths = append(paths, p.parsePath())
		for p.peek().kind == tComma {
			p.next()
			paths = append(paths, p.parsePath())
		}
		if t := p.peek(); t.kind != tEOF {
			p.syntaxError(t)
		}
		p.checkPathSet(paths)
	}); err != nil {
		return nil, err
	}
	return paths, nil
}
