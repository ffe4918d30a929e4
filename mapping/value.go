package mapping

import (
	"strconv"
	"strings"
	"time"
)

// Type is a column's type as the rules declare it. It says what a Value
// holds and which accessor reads it; each destination turns it into its
// own representation.
type Type string

// Column types and what a non-null Value of each holds.
const (
	TypeString      Type = "string"      // Text: the text, trimmed, never ""
	TypeInt         Type = "int"         // Int: a whole number
	TypeDecimal     Type = "decimal"     // Text: exact decimal text ("1234.5", "-0.25", "0")
	TypeMoney       Type = "money"       // Text: exact decimal text
	TypeBool        Type = "bool"        // Bool
	TypeDate        Type = "date"        // Text: "YYYY-MM-DD" as written in the document
	TypeDateTime    Type = "datetime"    // Time: the instant in its own offset or the rule's time zone
	TypeChoice      Type = "choice"      // Options: the one option the rules resolved
	TypeMultiChoice Type = "multichoice" // Options: the distinct options, in document order
	TypeGUID        Type = "guid"        // Text: a lowercase canonical UUID
)

// Option is a choice the rules resolved: the label as the rules' choices
// write it, and the value the rules declared for that label. A destination
// writes whichever its own representation needs (Dataverse the option
// value, Salesforce the label as the picklist value).
type Option struct {
	Label string `json:"label"`
	Value int64  `json:"value"`
}

// Value is a typed column value: its Type and, unless it is null, a payload
// read with the accessor the Type names (Text, Int, Bool, Time, Options).
// The zero Value of a type, Value{Type: t}, is null. Values are made by the
// constructors (StringValue, IntValue, …), never changed afterwards, and
// carry no destination's limits: a destination checks what it cannot store
// (Dataverse: years 1753-9999, 4 or 10 fraction digits).
type Value struct {
	Type Type
	set  bool
	text string
	num  int64
	flag bool
	at   time.Time
	opts []Option
}

// StringValue is a TypeString value.
func StringValue(s string) Value { return Value{Type: TypeString, set: true, text: s} }

// GUIDValue is a TypeGUID value; s is a lowercase canonical UUID.
func GUIDValue(s string) Value { return Value{Type: TypeGUID, set: true, text: s} }

// IntValue is a TypeInt value.
func IntValue(n int64) Value { return Value{Type: TypeInt, set: true, num: n} }

// DecimalValue is a TypeDecimal or TypeMoney value; text is exact decimal
// text.
func DecimalValue(t Type, text string) Value { return Value{Type: t, set: true, text: text} }

// BoolValue is a TypeBool value.
func BoolValue(b bool) Value { return Value{Type: TypeBool, set: true, flag: b} }

// DateValue is a TypeDate value; s is "YYYY-MM-DD".
func DateValue(s string) Value { return Value{Type: TypeDate, set: true, text: s} }

// DateTimeValue is a TypeDateTime value; t keeps its location, which is
// the document's offset or the rule's time zone.
func DateTimeValue(t time.Time) Value { return Value{Type: TypeDateTime, set: true, at: t} }

// ChoiceValue is a TypeChoice value.
func ChoiceValue(o Option) Value { return Value{Type: TypeChoice, set: true, opts: []Option{o}} }

// MultiChoiceValue is a TypeMultiChoice value of one or more options.
func MultiChoiceValue(opts []Option) Value {
	return Value{Type: TypeMultiChoice, set: true, opts: append([]Option(nil), opts...)}
}

// IsNull reports whether the value is null (empty in the document).
func (v Value) IsNull() bool { return !v.set }

// Int is a TypeInt value's number.
func (v Value) Int() int64 { return v.num }

// Bool is a TypeBool value's truth.
func (v Value) Bool() bool { return v.flag }

// Time is a TypeDateTime value's instant, in the location it was read in;
// t.UTC() is the instant in UTC, t.Format("2006-01-02T15:04:05") its
// wall-clock time as written.
func (v Value) Time() time.Time { return v.at }

// Options are a choice's option (one) or a multi-choice's options.
func (v Value) Options() []Option { return v.opts }

// Text is the value as text: the text of string, guid, date, decimal and
// money values; an int's or a bool's Go text; a datetime in UTC, RFC 3339
// ("2026-03-24T02:36:37Z"); a choice's label, a multi-choice's labels
// joined with ", "; "" for null. It is the form for messages and for
// destinations that take every value as text.
func (v Value) Text() string {
	if !v.set {
		return ""
	}
	switch v.Type {
	case TypeInt:
		return strconv.FormatInt(v.num, 10)
	case TypeBool:
		return strconv.FormatBool(v.flag)
	case TypeDateTime:
		return v.at.UTC().Format(time.RFC3339)
	case TypeChoice, TypeMultiChoice:
		labels := make([]string, len(v.opts))
		for i, o := range v.opts {
			labels[i] = o.Label
		}
		return strings.Join(labels, ", ")
	}
	return v.text
}

// WallClock is a TypeDateTime value's wall-clock time as written in the
// document (in its own offset or the rule's time zone), without an offset:
// "2026-03-02T10:30:00".
func (v Value) WallClock() string { return v.at.Format("2006-01-02T15:04:05") }
