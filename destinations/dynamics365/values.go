package dynamics365

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// Dataverse's own limits on values (dataverse.md §5): date and date-time
// columns hold the years 1753-9999; money columns at most 4 fraction
// digits, decimal columns at most 10. The plan carries values as the
// document has them; the destination checks and rounds them here.
const (
	minYear          = 1753
	maxYear          = 9999
	moneyPrecision   = 4
	decimalPrecision = 10
	// codeOutOfRange is the outcome code of a value Dataverse cannot
	// store: the code mapping gave such values before the limits moved
	// out of it, so the same documents fail the same way.
	codeOutOfRange = "mapping_invalid_value"
)

// jsonValue is a plan value in its Dataverse JSON form, for objectWriter:
// nil, a string, a bool, an int64 or a json.Number. A choice is its option
// value, a multi-choice its option values joined ("1,9"), a decimal or
// money value its text rounded to what the column type holds, a date-time
// its UTC instant (columnValue picks other forms by DateTimeBehavior).
func jsonValue(v mapping.Value) any {
	if v.IsNull() {
		return nil
	}
	switch v.Type {
	case mapping.TypeInt:
		return v.Int()
	case mapping.TypeBool:
		return v.Bool()
	case mapping.TypeDecimal, mapping.TypeMoney:
		return json.Number(decimalText(v))
	case mapping.TypeChoice:
		return v.Options()[0].Value
	case mapping.TypeMultiChoice:
		return optionValues(v)
	}
	return v.Text()
}

// optionValues is a multi-choice's option values as Dataverse takes them:
// "1,9".
func optionValues(v mapping.Value) string {
	var b strings.Builder
	for i, o := range v.Options() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(o.Value, 10))
	}
	return b.String()
}

// JSONValue is v in the JSON form the Dataverse Web API takes for its
// column type (see jsonValue), for tools that write plans without the
// destination (the benchmark's baseline).
func JSONValue(v mapping.Value) any { return jsonValue(v) }

// decimalText is a decimal or money value's text rounded to the fraction
// digits its Dataverse column type holds.
func decimalText(v mapping.Value) string {
	if v.Type == mapping.TypeMoney {
		return roundDecimal(v.Text(), moneyPrecision)
	}
	return roundDecimal(v.Text(), decimalPrecision)
}

// roundDecimal rounds exact decimal text ("-12.34567") half away from zero
// to digits fraction digits and returns its shortest text ("-12.3457",
// "0"), as mapping did when it rounded to Dataverse's precision. Text that
// is not plain decimal text is returned as it is.
func roundDecimal(s string, digits int) string {
	neg := strings.HasPrefix(s, "-")
	intp, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(frac) <= digits || !allDigits(intp) || !allDigits(frac) {
		return s
	}
	up := frac[digits] >= '5'
	frac = frac[:digits]
	if up {
		intp, frac = addUnit(intp, frac)
	}
	frac = strings.TrimRight(frac, "0")
	intp = strings.TrimLeft(intp, "0")
	if intp == "" && frac == "" {
		return "0"
	}
	if intp == "" {
		intp = "0"
	}
	out := intp
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// addUnit adds one unit in the last place of intp.frac.
func addUnit(intp, frac string) (string, string) {
	digits := []byte(intp + frac)
	i := len(digits) - 1
	for ; i >= 0 && digits[i] == '9'; i-- {
		digits[i] = '0'
	}
	if i < 0 {
		digits = append([]byte{'1'}, digits...)
	} else {
		digits[i]++
	}
	n := len(digits) - len(frac)
	return string(digits[:n]), string(digits[n:])
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkLimits refuses a plan holding a date or date-time Dataverse cannot
// store (years 1753-9999), in its columns, keys or lookups, before
// anything is sent.
func checkLimits(plan *mapping.Plan) error {
	for i := range plan.Records {
		rec := &plan.Records[i]
		if err := checkYears(rec, rec.Columns); err != nil {
			return err
		}
		if err := checkYears(rec, rec.Key.Columns); err != nil {
			return err
		}
		for _, b := range rec.Binds {
			if b.Lookup == nil {
				continue
			}
			if err := checkYears(rec, b.Lookup.Match); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkYears refuses the first of cols whose year Dataverse cannot store.
func checkYears(rec *mapping.Record, cols []mapping.Column) error {
	for _, c := range cols {
		if y, ok := year(c.Value); ok && (y < minYear || y > maxYear) {
			return permanent(codeOutOfRange, fmt.Sprintf("%s: column %s: %q is outside the years Dataverse accepts (%d-%d)",
				recordLabel(rec), c.Name, c.Value.Text(), minYear, maxYear))
		}
	}
	return nil
}

// year is the year of a date or date-time value.
func year(v mapping.Value) (int, bool) {
	switch {
	case v.IsNull():
		return 0, false
	case v.Type == mapping.TypeDateTime:
		return v.Time().Year(), true
	case v.Type == mapping.TypeDate:
		y, _, _ := strings.Cut(v.Text(), "-")
		n, err := strconv.Atoi(y)
		return n, err == nil
	}
	return 0, false
}
