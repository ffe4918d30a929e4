package salesforcetest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokPunct
	tokEOF
)

type token struct {
	kind tokKind
	text string
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) next() token {
	if p.pos >= len(p.toks) {
		return token{kind: tokEOF}
	}
	p.pos++
	return p.toks[p.pos-1]
}

func (p *parser) peek() token {
	if p.pos >= len(p.toks) {
		return token{kind: tokEOF}
	}
	return p.toks[p.pos]
}

func (p *parser) keyword(k string) bool {
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, k) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == tokPunct && t.text == s {
		p.pos++
		return true
	}
	return false
}

func (p *parser) ident() (string, bool) {
	t := p.peek()
	if t.kind != tokIdent {
		return "", false
	}
	p.pos++
	return t.text, true
}

func (p *parser) errorf(format string, a ...any) error {
	return fmt.Errorf("unexpected token at position %d: "+format, append([]any{p.pos}, a...)...)
}

// lexSOQL splits q into tokens. String literals are single-quoted with
// Salesforce's escapes (\' \" \\ \n \r \t \b \f \uXXXX, and \_ \% kept
// for LIKE); any other backslash is an error.
func lexSOQL(q string) ([]token, error) {
	var toks []token
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '\'':
			s, n, err := lexString(rs[i+1:])
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, token{tokString, s}), i+n+2
		case strings.ContainsRune("=(),", r):
			toks, i = append(toks, token{tokPunct, string(r)}), i+1
		case r == '-' || unicode.IsDigit(r):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			toks, i = append(toks, token{tokNumber, string(rs[i:j])}), j
		case r == '_' || unicode.IsLetter(r):
			j := i + 1
			for j < len(rs) && (rs[j] == '_' || rs[j] == '.' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks, i = append(toks, token{tokIdent, string(rs[i:j])}), j
		default:
			return nil, fmt.Errorf("unexpected character '%c'", r)
		}
	}
	return toks, nil
}

// lexString reads a literal's body up to the closing quote and returns
// its value and the number of runes it took (without the quotes).
func lexString(rs []rune) (string, int, error) {
	var b strings.Builder
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\'':
			return b.String(), i, nil
		case '\\':
			if i+1 >= len(rs) {
				return "", 0, fmt.Errorf("unterminated escape")
			}
			i++
			n, err := unescape(rs, i, &b)
			if err != nil {
				return "", 0, err
			}
			i += n
		default:
			b.WriteRune(rs[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated string literal")
}

var simpleEscapes = map[rune]string{'\'': "'", '"': "\"", '\\': "\\", 'n': "\n", 'r': "\r", 't': "\t",
	'b': "\b", 'f': "\f", '_': "\\_", '%': "\\%"}

// unescape writes the escape at rs[i] (after the backslash) and returns
// how many extra runes it used.
func unescape(rs []rune, i int, b *strings.Builder) (int, error) {
	if s, ok := simpleEscapes[rs[i]]; ok {
		b.WriteString(s)
		return 0, nil
	}
	if rs[i] == 'u' && i+4 < len(rs) {
		n, err := strconv.ParseUint(string(rs[i+1:i+5]), 16, 32)
		if err == nil {
			b.WriteRune(rune(n))
			return 4, nil
		}
	}
	return 0, fmt.Errorf("invalid escape sequence \\%c", rs[i])
}
