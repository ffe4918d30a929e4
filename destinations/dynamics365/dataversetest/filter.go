package dataversetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// fieldKind is the comparison class of a filterable field.
type fieldKind int

const (
	kindAny fieldKind = iota // metadata properties: compared loosely
	kindString
	kindNumber
	kindBool
	kindDate
	kindDateTime
	kindGUID
)

// fieldResolver returns the kind of a field, or an error response for an
// unknown field.
type fieldResolver func(name string) (fieldKind, *response)

// filterExpr is a compiled $filter.
type filterExpr interface {
	match(get func(string) any) bool
}

type andExpr struct{ l, r filterExpr }
type orExpr struct{ l, r filterExpr }
type notExpr struct{ e filterExpr }

// cmpExpr is "field op literal".
type cmpExpr struct {
	field string
	op    string
	lit   token
	kind  fieldKind
}

// funcExpr is contains/startswith/endswith(field, 'text').
type funcExpr struct{ fn, field, arg string }

func (e andExpr) match(get func(string) any) bool { return e.l.match(get) && e.r.match(get) }
func (e orExpr) match(get func(string) any) bool  { return e.l.match(get) || e.r.match(get) }
func (e notExpr) match(get func(string) any) bool { return !e.e.match(get) }

func (e funcExpr) match(get func(string) any) bool {
	s, ok := get(e.field).(string)
	if !ok {
		return false
	}
	s, arg := strings.ToLower(s), strings.ToLower(e.arg)
	switch e.fn {
	case "contains":
		return strings.Contains(s, arg)
	case "startswith":
		return strings.HasPrefix(s, arg)
	}
	return strings.HasSuffix(s, arg)
}

func (e cmpExpr) match(get func(string) any) bool {
	v := get(e.field)
	if e.lit.kind == tokNull || v == nil {
		isEq := (v == nil) == (e.lit.kind == tokNull)
		return (e.op == "eq" && isEq) || (e.op == "ne" && !isEq)
	}
	c, ok := compareLiteral(v, e.lit)
	if !ok {
		return e.op == "ne"
	}
	switch e.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	}
	return c <= 0
}

// compareLiteral compares a stored value with a literal: numbers
// numerically, strings case-insensitively (Dataverse's collation).
func compareLiteral(v any, lit token) (int, bool) {
	switch x := v.(type) {
	case string:
		want := lit.text
		if lit.kind == tokDateTime {
			if t, ok := parseDateTime(want); ok {
				want = t.UTC().Format("2006-01-02T15:04:05Z07:00")
			}
		}
		return strings.Compare(strings.ToLower(x), strings.ToLower(want)), true
	case bool:
		if lit.kind != tokBool {
			return 0, false
		}
		return map[bool]int{true: 0, false: 1}[x == (lit.text == "true")], true
	case int64, int, json.Number, float64:
		a, err1 := strconv.ParseFloat(fmt.Sprint(x), 64)
		b, err2 := strconv.ParseFloat(lit.text, 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return compareFloat(a, b), true
	}
	return 0, false
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// tableFields resolves filter fields of a table.
func tableFields(td *tableDef) fieldResolver {
	return func(name string) (fieldKind, *response) {
		if name == td.PrimaryID {
			return kindGUID, nil
		}
		if strings.HasPrefix(name, "_") && td.lookup[lookupKeyName(name)] != nil {
			return kindGUID, nil
		}
		if a := td.attrs[name]; a != nil {
			return attrKind(a.Type), nil
		}
		return 0, propertyNotFound(name, td)
	}
}

func attrKind(t AttrType) fieldKind {
	switch t {
	case TypeInt, TypeChoice, TypeDecimal, TypeMoney:
		return kindNumber
	case TypeBool:
		return kindBool
	case TypeDate:
		return kindDate
	case TypeDateTime:
		return kindDateTime
	case TypeGUID:
		return kindGUID
	}
	return kindString
}

// literalFits reports whether a literal can be compared with a field.
func literalFits(k fieldKind, lit token) bool {
	switch k {
	case kindAny:
		return true
	case kindString:
		return lit.kind == tokString
	case kindNumber:
		return lit.kind == tokNumber
	case kindBool:
		return lit.kind == tokBool
	case kindDate, kindDateTime:
		return lit.kind == tokDate || lit.kind == tokDateTime
	}
	return lit.kind == tokGUID
}

var literalEdm = map[tokKind]string{tokString: "Edm.String", tokNumber: "Edm.Int32", tokGUID: "Edm.Guid",
	tokBool: "Edm.Boolean", tokDate: "Edm.Date", tokDateTime: "Edm.DateTimeOffset"}

var kindEdm = map[fieldKind]string{kindString: "Edm.String", kindNumber: "Edm.Decimal", kindBool: "Edm.Boolean",
	kindDate: "Edm.Date", kindDateTime: "Edm.DateTimeOffset", kindGUID: "Edm.Guid"}

func filterSyntax(raw, why string) *response {
	return errorf(http.StatusBadRequest, "0x0", "Syntax error in $filter '%s': %s.", raw, why)
}
