package mapping

import (
	"strings"
	"time"
	_ "time/tzdata" // time zones work in minimal containers without /usr/share/zoneinfo
)

// Default layouts when a date or datetime column lists no formats.
var (
	defaultDateFormats     = []string{"2006-01-02", time.RFC3339Nano}
	defaultDateTimeFormats = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}
)

// checkLayout reports a message if layout is not a usable Go time layout
// for a date (year, month and day must survive a round trip).
func checkLayout(layout string) string {
	ref := time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	t, err := time.Parse(layout, ref.Format(layout))
	if err == nil && t.Year() == 2006 && t.Month() == time.January && t.Day() == 2 {
		return ""
	}
	hint := ""
	if strings.ContainsAny(layout, "YyDd") {
		hint = `; formats are Go layouts written with the reference date, e.g. "2006-01-02" or "02.01.2006"`
	}
	return "format " + quote(layout) + " is not a date layout" + hint
}

// parseTime tries layouts in order; values without an offset are read in loc.
func parseTime(s string, layouts []string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// formatDate writes a date-only value as written in the source, with no
// time zone conversion.
func formatDate(t time.Time) string { return t.Format("2006-01-02") }

// newValue wraps a converted value (see convert) of type typ; nil is null.
func newValue(typ Type, out any) Value {
	switch x := out.(type) {
	case nil:
		return Value{Type: typ}
	case int64:
		return IntValue(x)
	case bool:
		return BoolValue(x)
	case time.Time:
		return DateTimeValue(x)
	case Option:
		return ChoiceValue(x)
	case []Option:
		return MultiChoiceValue(x)
	case string:
		return Value{Type: typ, set: true, text: x}
	}
	return Value{Type: typ}
}
