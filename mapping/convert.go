package mapping

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// failure is a conversion problem: its error code and message.
type failure struct {
	code string
	msg  string
}

func invalid(r raw, as string) *failure {
	return &failure{code: CodeInvalidValue, msg: "cannot read " + describeRaw(r) + " as " + as}
}

// produce runs the transforms, then converts. out is nil when the value is
// empty; warn is a non-fatal note (a truncation).
func (v *valueRule) produce(r raw) (out any, f *failure, warn string) {
	if len(v.transforms) > 0 && (r.kind == rawString || r.kind == rawNumber || r.kind == rawBool) {
		s := r.s
		for i := range v.transforms {
			s = v.transforms[i].apply(s)
		}
		if s != r.s {
			r = raw{kind: rawString, s: s, conf: r.conf}
		}
	}
	if r.empty() {
		return nil, nil, ""
	}
	if v.typ == TypeString {
		return v.toString(r)
	}
	out, f = v.convert(r)
	return out, f, ""
}

// convert turns a non-empty value into the column type's JSON form.
func (v *valueRule) convert(r raw) (any, *failure) {
	if r.empty() {
		return nil, nil
	}
	switch v.typ {
	case TypeString:
		out, f, _ := v.toString(r)
		return out, f
	case TypeInt:
		return v.toInt(r)
	case TypeDecimal, TypeMoney:
		return v.toDecimal(r)
	case TypeBool:
		return toBool(r)
	case TypeDate, TypeDateTime:
		return v.toTime(r)
	case TypeChoice:
		return v.toChoice(r)
	case TypeMultiChoice:
		return v.toMultiChoice(r)
	}
	return toGUID(r)
}

// textOf returns the text of a scalar value.
func textOf(r raw) (string, bool) {
	switch r.kind {
	case rawString, rawNumber, rawBool:
		return r.s, true
	}
	if t, ok := r.v.(time.Time); ok {
		return t.Format(time.RFC3339Nano), true
	}
	return "", false
}

// toString trims the text and applies max_length, counted in UTF-16 code
// units as Dataverse counts them.
func (v *valueRule) toString(r raw) (any, *failure, string) {
	s, ok := textOf(r)
	if !ok {
		return nil, &failure{code: CodeInvalidValue, msg: "expected text, got " + describeRaw(r)}, ""
	}
	s = strings.TrimSpace(s)
	if v.maxLength == 0 || len(s) <= v.maxLength {
		return s, nil, ""
	}
	n := utf16Len(s)
	if n <= v.maxLength {
		return s, nil, ""
	}
	if !v.truncate {
		return nil, &failure{code: CodeTooLong, msg: "text of " + strconv.Itoa(n) + " characters is longer than max_length " +
			strconv.Itoa(v.maxLength)}, ""
	}
	return truncateUTF16(s, v.maxLength), nil, "truncated from " + strconv.Itoa(n) + " to " + strconv.Itoa(v.maxLength) + " characters"
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// truncateUTF16 cuts s to at most max UTF-16 code units, at a rune boundary.
func truncateUTF16(s string, max int) string {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > max {
			return strings.TrimSpace(s[:i])
		}
		n += w
	}
	return s
}

// number reads a JSON number exactly, or number text as OCR writes it.
func (v *valueRule) number(r raw) (decimal, bool) {
	switch r.kind {
	case rawNumber:
		return parseJSONNumber(r.s)
	case rawString:
		return parseOCRNumber(r.s, v.sep)
	}
	return decimal{}, false
}

// toInt reads a whole number.
func (v *valueRule) toInt(r raw) (any, *failure) {
	d, ok := v.number(r)
	if !ok {
		return nil, invalid(r, "a whole number")
	}
	if strings.Trim(d.frac, "0") != "" {
		return nil, &failure{code: CodeInvalidValue, msg: describeRaw(r) + " is not a whole number"}
	}
	s, ok := d.text(0)
	i, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil {
		return nil, &failure{code: CodeInvalidValue, msg: describeRaw(r) + " is out of range"}
	}
	return i, nil
}

// digits is the column's precision: as set, or exact.
func (v *valueRule) digits() int {
	switch {
	case v.precision >= 0:
		return v.precision
	}
	return exactPrecision
}

// toDecimal reads an exact decimal rounded to the column's precision.
func (v *valueRule) toDecimal(r raw) (any, *failure) {
	prec := v.digits()
	if r.kind == rawNumber && canonical(r.s, prec) {
		return r.s, nil
	}
	d, ok := v.number(r)
	if !ok {
		return nil, invalid(r, "a number")
	}
	s, ok := d.text(prec)
	if !ok {
		return nil, &failure{code: CodeInvalidValue, msg: describeRaw(r) + " is out of range"}
	}
	return s, nil
}

// boolWords are the texts read as yes/no.
var boolWords = map[string]bool{
	"true": true, "yes": true, "y": true, "1": true, "on": true, "x": true,
	"false": false, "no": false, "n": false, "0": false, "off": false,
}

func toBool(r raw) (any, *failure) {
	s, ok := textOf(r)
	if ok {
		if b, known := boolWords[fold(s)]; known {
			return b, nil
		}
	}
	return nil, invalid(r, "yes/no (true, false, yes, no, 1, 0)")
}

// toTime reads a date or date-time with the column's layouts.
func (v *valueRule) toTime(r raw) (any, *failure) {
	t, ok := r.v.(time.Time)
	if !ok {
		s, isText := textOf(r)
		if !isText || r.kind != rawString {
			return nil, invalid(r, "a "+string(v.typ))
		}
		if t, ok = parseTime(s, v.formats, v.loc); !ok {
			return nil, &failure{code: CodeInvalidValue, msg: "cannot read " + describeRaw(r) + " as a " + string(v.typ) +
				" (formats " + quoteList(v.formats) + ")"}
		}
	}
	if v.typ == TypeDate {
		return formatDate(t), nil
	}
	return t, nil
}

// toChoice maps a label (or an option value) to its Option.
func (v *valueRule) toChoice(r raw) (any, *failure) {
	s, ok := textOf(r)
	if ok {
		if o, found := v.choices.lookup(s); found {
			return o, nil
		}
	}
	return nil, &failure{code: CodeInvalidValue, msg: describeRaw(r) + " is not one of the choices " + quoteList(v.choices.labels)}
}

// toMultiChoice maps a list of labels (or "a, b" text) to []Option.
func (v *valueRule) toMultiChoice(r raw) (any, *failure) {
	var labels []string
	switch x := r.v.(type) {
	case []any:
		for _, it := range x {
			s, ok := textOf(rawFromAny(it))
			if !ok {
				return nil, invalid(r, "a list of choices")
			}
			labels = append(labels, s)
		}
	default:
		s, ok := textOf(r)
		if !ok {
			return nil, invalid(r, "a list of choices")
		}
		labels = strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ';' || c == '|' })
	}
	return v.joinChoices(labels)
}

// joinChoices looks up each label and keeps the distinct options (by
// value), in order.
func (v *valueRule) joinChoices(labels []string) (any, *failure) {
	var opts []Option
	seen := map[int64]bool{}
	for _, l := range labels {
		if strings.TrimSpace(l) == "" {
			continue
		}
		o, ok := v.choices.lookup(l)
		if !ok {
			return nil, &failure{code: CodeInvalidValue, msg: strconv.Quote(shorten(strings.TrimSpace(l))) + " is not one of the choices " +
				quoteList(v.choices.labels)}
		}
		if seen[o.Value] {
			continue
		}
		seen[o.Value] = true
		opts = append(opts, o)
	}
	if len(opts) == 0 {
		return nil, nil
	}
	return opts, nil
}

// toGUID reads a UUID and writes it lower case, canonical.
func toGUID(r raw) (any, *failure) {
	s, ok := textOf(r)
	if ok && r.kind == rawString {
		if u, err := uuid.Parse(strings.TrimSpace(s)); err == nil {
			return u.String(), nil
		}
	}
	return nil, invalid(r, "a GUID")
}
