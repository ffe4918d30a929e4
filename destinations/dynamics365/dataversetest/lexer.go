package dataversetest

import (
	"fmt"
	"regexp"
	"strings"
)

// tokKind is the kind of an OData URL token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokGUID
	tokDate
	tokDateTime
	tokNull
	tokBool
	tokPunct // ( ) , =
)

// token is one lexed item; text is the decoded value for strings (quotes
// removed, doubled quotes undone), the literal text otherwise.
type token struct {
	kind tokKind
	text string
}

var (
	reGUID     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	reDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?`)
	reDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)
	reNumber   = regexp.MustCompile(`^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?`)
	reIdent    = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_.$]*`)
)

// lex splits an OData expression (key predicate or $filter) into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case strings.IndexByte("(),=", c) >= 0:
			toks = append(toks, token{tokPunct, string(c)})
			i++
		case c == '\'':
			text, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, text})
			i += n
		default:
			t, n := lexWord(s[i:])
			if n == 0 {
				return nil, fmt.Errorf("syntax error at position %d in '%s'", i, s)
			}
			toks = append(toks, t)
			i += n
		}
	}
	return append(toks, token{kind: tokEOF}), nil
}

// lexString reads a quoted string starting at s[0] == '\”.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("unterminated string literal in '%s'", s)
}

func lexWord(s string) (token, int) {
	if m := reGUID.FindString(s); m != "" && !identChar(s, len(m)) {
		return token{tokGUID, strings.ToLower(m)}, len(m)
	}
	if m := reDateTime.FindString(s); m != "" {
		return token{tokDateTime, m}, len(m)
	}
	if m := reDate.FindString(s); m != "" && !identChar(s, len(m)) {
		return token{tokDate, m}, len(m)
	}
	if m := reNumber.FindString(s); m != "" && !identChar(s, len(m)) {
		return token{tokNumber, strings.TrimRight(m, "mMdDfFlL")}, len(m)
	}
	m := reIdent.FindString(s)
	if m == "" {
		return token{}, 0
	}
	// An enum literal: Namespace.Type'Member'.
	if len(m) < len(s) && s[len(m)] == '\'' && strings.Contains(m, ".") {
		text, n, err := lexString(s[len(m):])
		if err == nil {
			return token{tokString, text}, len(m) + n
		}
	}
	switch m {
	case "null":
		return token{tokNull, m}, len(m)
	case "true", "false":
		return token{tokBool, m}, len(m)
	}
	return token{tokIdent, m}, len(m)
}

func identChar(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
