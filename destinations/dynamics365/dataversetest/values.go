package dataversetest

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of Dataverse numeric columns.
var (
	decimalLimit = big.NewRat(100_000_000_000, 1)
	moneyLimit   = new(big.Rat).SetInt64(922_337_203_685_477)
	minDate      = time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC)
)

// edmType is the OData type of an attribute, for messages.
func edmType(t AttrType) string {
	switch t {
	case TypeInt, TypeChoice:
		return "Edm.Int32"
	case TypeDecimal, TypeMoney:
		return "Edm.Decimal"
	case TypeBool:
		return "Edm.Boolean"
	case TypeDate:
		return "Edm.Date"
	case TypeDateTime:
		return "Edm.DateTimeOffset"
	case TypeGUID:
		return "Edm.Guid"
	}
	return "Edm.String"
}

// convertValue checks a JSON body value (decoded with UseNumber) against a
// column and returns its stored form: string, int64, json.Number (decimal
// text), bool or nil.
func convertValue(td *tableDef, a *Attribute, v any) (any, *response) {
	if v == nil {
		return nil, nil
	}
	bad := func() *response {
		return payloadError(td.EntitySet, fmt.Sprintf("Cannot convert the literal '%v' to the expected type '%s'.", v, edmType(a.Type)))
	}
	switch a.Type {
	case TypeString, TypeMemo:
		return convertString(td, a, v, bad)
	case TypeInt, TypeChoice:
		return convertInt(td, a, v, bad)
	case TypeDecimal, TypeMoney:
		return convertDecimal(td, a, v, bad)
	case TypeDate, TypeDateTime:
		return convertTime(td, a, v, bad)
	case TypeMultiChoice:
		return convertMultiChoice(td, a, v, bad)
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case TypeGUID:
		if s, ok := v.(string); ok {
			if g, ok := parseGUID(s); ok {
				return g, nil
			}
		}
	}
	return nil, bad()
}

func convertString(td *tableDef, a *Attribute, v any, bad func() *response) (any, *response) {
	s, ok := v.(string)
	if !ok {
		return nil, bad()
	}
	if utf8.RuneCountInString(s) > a.MaxLength {
		return nil, errorf(http.StatusBadRequest, codeValidation,
			"A validation error occurred. The length of the '%s' attribute of the '%s' entity exceeded the maximum allowed length of '%d'.",
			a.Name, td.LogicalName, a.MaxLength)
	}
	return s, nil
}

// convertTime accepts "YYYY-MM-DD" for dates and RFC 3339 (offset
// optional) for date-times, stored in UTC.
func convertTime(td *tableDef, a *Attribute, v any, bad func() *response) (any, *response) {
	s, ok := v.(string)
	if !ok {
		return nil, bad()
	}
	if a.Type == TypeDate {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, bad()
		}
		return s, checkMinDate(td, a, t)
	}
	t, ok := parseDateTime(s)
	if !ok {
		return nil, bad()
	}
	if a.Behavior == BehaviorTimeZoneIndependent {
		// Stored as given, without conversion: the wall-clock time.
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	}
	return t.UTC().Format(time.RFC3339), checkMinDate(td, a, t)
}

func convertInt(td *tableDef, a *Attribute, v any, bad func() *response) (any, *response) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, bad()
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return nil, bad()
	}
	if i < -2147483648 || i > 2147483647 {
		return nil, outOfRange(td, a, string(n))
	}
	if a.Type == TypeChoice {
		if _, ok := td.opts[a.Name][i]; !ok {
			return nil, outOfRange(td, a, string(n))
		}
	}
	return i, nil
}

func convertDecimal(td *tableDef, a *Attribute, v any, bad func() *response) (any, *response) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, bad()
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return nil, bad()
	}
	limit := decimalLimit
	if a.Type == TypeMoney {
		limit = moneyLimit
	}
	if new(big.Rat).Abs(r).Cmp(limit) > 0 {
		return nil, outOfRange(td, a, string(n))
	}
	return json.Number(r.FloatString(a.Precision)), nil
}

func convertMultiChoice(td *tableDef, a *Attribute, v any, bad func() *response) (any, *response) {
	s, ok := v.(string)
	if !ok {
		return nil, bad()
	}
	var vals []int64
	for _, part := range strings.Split(s, ",") {
		i, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil {
			return nil, bad()
		}
		if _, ok := td.opts[a.Name][i]; !ok {
			return nil, outOfRange(td, a, strings.TrimSpace(part))
		}
		if !slices.Contains(vals, i) {
			vals = append(vals, i)
		}
	}
	slices.Sort(vals)
	out := make([]string, len(vals))
	for i, x := range vals {
		out[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(out, ","), nil
}

func outOfRange(td *tableDef, a *Attribute, v string) *response {
	return errorf(http.StatusBadRequest, codeValidation,
		"A validation error occurred. The value %s of '%s' on record of type '%s' is outside the valid range.", v, a.Name, td.LogicalName)
}

func checkMinDate(td *tableDef, a *Attribute, t time.Time) *response {
	if t.Before(minDate) {
		return errorf(http.StatusBadRequest, codeValidation,
			"A validation error occurred. The value of '%s' on record of type '%s' is before the minimum allowed date 1753-01-01.", a.Name, td.LogicalName)
	}
	return nil
}

// parseDateTime accepts RFC 3339 with or without an offset (no offset =
// UTC, as Dataverse does).
func parseDateTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// outputValue is the JSON form of a stored value on reads: money with four
// decimals, as Dataverse returns it.
func outputValue(a *Attribute, v any) any {
	if n, ok := v.(json.Number); ok && a != nil && a.Type == TypeMoney {
		if r, ok := new(big.Rat).SetString(string(n)); ok {
			return json.Number(r.FloatString(4))
		}
	}
	return v
}
