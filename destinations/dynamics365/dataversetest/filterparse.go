package dataversetest

import (
	"net/http"
)

// filterParser is a recursive-descent parser for the $filter subset:
// eq ne gt ge lt le, and, or, not, parentheses, contains/startswith/
// endswith, string/number/GUID/date/bool/null literals.
type filterParser struct {
	raw    string
	toks   []token
	pos    int
	fields fieldResolver
	err    *response
}

// parseFilter compiles raw; an empty filter is nil (match all).
func parseFilter(raw string, fields fieldResolver) (filterExpr, *response) {
	if raw == "" {
		return nil, nil
	}
	toks, err := lex(raw)
	if err != nil {
		return nil, filterSyntax(raw, err.Error())
	}
	p := &filterParser{raw: raw, toks: toks, fields: fields}
	e := p.or()
	if p.err == nil && p.peek().kind != tokEOF {
		p.fail("unexpected '" + p.peek().text + "'")
	}
	if p.err != nil {
		return nil, p.err
	}
	return e, nil
}

func (p *filterParser) peek() token { return p.toks[p.pos] }

func (p *filterParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *filterParser) fail(why string) {
	if p.err == nil {
		p.err = filterSyntax(p.raw, why)
	}
}

func (p *filterParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == w
}

func (p *filterParser) or() filterExpr {
	e := p.and()
	for p.err == nil && p.isWord("or") {
		p.next()
		e = orExpr{e, p.and()}
	}
	return e
}

func (p *filterParser) and() filterExpr {
	e := p.unary()
	for p.err == nil && p.isWord("and") {
		p.next()
		e = andExpr{e, p.unary()}
	}
	return e
}

func (p *filterParser) unary() filterExpr {
	if p.isWord("not") {
		p.next()
		return notExpr{p.unary()}
	}
	if t := p.peek(); t.kind == tokPunct && t.text == "(" {
		p.next()
		e := p.or()
		if t := p.next(); t.kind != tokPunct || t.text != ")" {
			p.fail("missing ')'")
		}
		return e
	}
	if p.isWord("contains") || p.isWord("startswith") || p.isWord("endswith") {
		return p.function()
	}
	return p.comparison()
}

func (p *filterParser) function() filterExpr {
	fn := p.next().text
	open, field, comma, arg, closing := p.next(), p.next(), p.next(), p.next(), p.next()
	if open.text != "(" || field.kind != tokIdent || comma.text != "," || arg.kind != tokString || closing.text != ")" {
		p.fail("expected " + fn + "(property,'text')")
		return nil
	}
	if _, bad := p.fields(field.text); bad != nil {
		p.err = bad
		return nil
	}
	return funcExpr{fn: fn, field: field.text, arg: arg.text}
}

// mirroredOps turns "literal op field" into "field op' literal".
var mirroredOps = map[string]string{"eq": "eq", "ne": "ne", "gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}

var comparisonOps = map[string]string{"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual", "lt": "LessThan", "le": "LessThanOrEqual"}

func (p *filterParser) comparison() filterExpr {
	left, op, right := p.next(), p.next(), p.next()
	if _, ok := comparisonOps[op.text]; !ok || op.kind != tokIdent {
		p.fail("expected a comparison operator after '" + left.text + "'")
		return nil
	}
	if left.kind != tokIdent && right.kind == tokIdent {
		left, right = right, left
		op.text = mirroredOps[op.text]
	}
	if left.kind != tokIdent || right.kind == tokIdent || right.kind == tokPunct || right.kind == tokEOF {
		p.fail("expected property " + op.text + " literal")
		return nil
	}
	kind, bad := p.fields(left.text)
	if bad != nil {
		p.err = bad
		return nil
	}
	if right.kind != tokNull && !literalFits(kind, right) {
		p.err = errorf(http.StatusBadRequest, "0x0",
			"A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.",
			kindEdm[kind], literalEdm[right.kind], comparisonOps[op.text])
		return nil
	}
	return cmpExpr{field: left.text, op: op.text, lit: right, kind: kind}
}
