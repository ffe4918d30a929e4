package dynamics365

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// keyForbidden are the characters Dataverse refuses in alternate-key values
// in a URL, even percent-encoded; such keys are found with $filter instead.
const keyForbidden = `/<>*%&:\?+`

// literal returns v as an OData literal for a key predicate or a $filter:
// strings quoted with embedded quotes doubled; numbers, booleans, dates,
// date-times and GUIDs bare; choices as their option value, multi-choices
// as their quoted list of option values; null as null.
func literal(v mapping.Value) (string, error) {
	if v.IsNull() {
		return "null", nil
	}
	switch v.Type {
	case mapping.TypeString:
		return quoteLiteral(v.Text()), nil
	case mapping.TypeMultiChoice:
		return quoteLiteral(optionValues(v)), nil
	case mapping.TypeChoice:
		return strconv.FormatInt(v.Options()[0].Value, 10), nil
	case mapping.TypeDecimal, mapping.TypeMoney:
		return decimalText(v), nil
	case mapping.TypeInt, mapping.TypeBool, mapping.TypeDate, mapping.TypeDateTime, mapping.TypeGUID:
		return v.Text(), nil
	}
	return "", fmt.Errorf("dynamics365: unsupported column type %q", v.Type)
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// keyPredicate returns the escaped "(k1='v1',k2=2)" segment for alternate-key
// columns, ok false when a value holds a character Dataverse refuses in key
// URLs (the caller then queries with $filter).
func keyPredicate(cols []mapping.Column) (pred string, ok bool, err error) {
	return predicate(cols, func(lit string) string { return escapeURL(lit, "'") })
}

// bindPredicate is keyPredicate for an @odata.bind value: the literal as
// the documented examples write it ("/accounts(accountnumber='ABC')"),
// not percent-encoded, since the value is JSON rather than a request line.
// ok is also false for '#' and control characters, which a URI parser
// would misread.
func bindPredicate(cols []mapping.Column) (pred string, ok bool, err error) {
	pred, ok, err = predicate(cols, func(lit string) string { return lit })
	if ok && strings.IndexFunc(pred, func(r rune) bool { return r == '#' || r < 0x20 || r == 0x7f }) >= 0 {
		return "", false, err
	}
	return pred, ok, err
}

func predicate(cols []mapping.Column, escape func(string) string) (pred string, ok bool, err error) {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		if c.Value.IsNull() {
			return "", false, fmt.Errorf("dynamics365: key column %s has no value", c.Name)
		}
		lit, err := literal(c.Value)
		if err != nil {
			return "", false, err
		}
		if strings.ContainsAny(lit, keyForbidden) {
			return "", false, nil
		}
		parts = append(parts, c.Name+"="+escape(lit))
	}
	return "(" + strings.Join(parts, ",") + ")", true, nil
}

// filterExpr returns "a eq 'x' and b eq 2" for cols (unescaped).
func filterExpr(cols []mapping.Column) (string, error) {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		lit, err := literal(c.Value)
		if err != nil {
			return "", err
		}
		parts = append(parts, c.Name+" eq "+lit)
	}
	return strings.Join(parts, " and "), nil
}

// queryURL returns base+entitySet with $select, $filter and $top, every
// value percent-encoded.
func queryURL(base, entitySet, selectCols, filter string, top int) string {
	return fmt.Sprintf("%s%s?$select=%s&$filter=%s&$top=%d", base, entitySet, escapeURL(selectCols, ","), escapeURL(filter, "'"), top)
}

// escapeURL percent-encodes every byte of s except unreserved characters
// and those in keep (the single quote, OData's string delimiter, stays
// readable): spaces, ',', '=', '$', '@', '#', '&', '(' and all non-ASCII
// bytes are encoded.
func escapeURL(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
