package numoratest

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/numora/numora-connector/numora"
)

// builder draws one generated result's fields from its stream.
type builder struct {
	r              *rand.Rand
	fields         map[string]numora.Field
	items          []numora.LineItem
	confs          []float64
	confirmedItems []string
	// uniform draws a GenerateInvoices document: known vendors, high
	// confidences and exactly lines line items.
	uniform bool
	lines   int
}

// dateLayouts are the layouts dates are printed in.
var dateLayouts = []string{"2006-01-02", "02.01.2006", "01/02/2006"}

// conf draws a confidence: mostly 0.86-0.99, one in ten low (0.30-0.69).
func (b *builder) conf() float64 {
	if b.r.IntN(10) == 0 && !b.uniform {
		return math.Round((0.30+b.r.Float64()*0.39)*100) / 100
	}
	return math.Round((0.86+b.r.Float64()*0.13)*100) / 100
}

// setRaw sets a general field with a drawn confidence.
func (b *builder) setRaw(name string, raw json.RawMessage) {
	c := b.conf()
	b.confs = append(b.confs, c)
	b.fields[name] = numora.Field{Value: raw, Confidence: &c}
}

// set sets a general field to v's JSON.
func (b *builder) set(name string, v any) {
	raw, _ := json.Marshal(v) // strings, bools and numbers only
	b.setRaw(name, raw)
}

// result assembles the drawn fields into a result.
func (b *builder) result() *numora.Result {
	var confirmed []string
	sum := 0.0
	for name, f := range b.fields {
		sum += *f.Confidence
		if *f.Confidence >= 0.9 {
			confirmed = append(confirmed, name)
		}
	}
	slices.Sort(confirmed)
	mean := math.Round(sum/float64(len(b.fields))*100) / 100
	return &numora.Result{
		ReviewState: numora.ReviewState{Version: 1, ConfirmedGeneralFieldNames: nonNil(confirmed),
			ConfirmedLineItemIDs: nonNil(b.confirmedItems)},
		Confidence: &mean, Fields: b.fields, LineItems: nonNil(b.items)}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// vendor draws a known vendor, or one in twelve an unknown one.
func (b *builder) vendor() Vendor {
	if b.r.IntN(12) == 0 && !b.uniform {
		return UnknownVendors[b.r.IntN(len(UnknownVendors))]
	}
	return Vendors[b.r.IntN(len(Vendors))]
}

// taxID prints a tax id as is, without spaces, in lower case or with one
// space after the country prefix.
func (b *builder) taxID(t string) string {
	parts := strings.Fields(t)
	switch b.r.IntN(4) {
	case 1:
		return strings.Join(parts, "")
	case 2:
		return strings.ToLower(t)
	case 3:
		return parts[0] + " " + strings.Join(parts[1:], "")
	}
	return t
}

// date draws a day in 2026's first quarter.
func (b *builder) date() time.Time {
	return time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, b.r.IntN(78))
}

// layout draws a date layout.
func (b *builder) layout() string { return dateLayouts[b.r.IntN(len(dateLayouts))] }

// currency draws a currency code and how it is printed (one in ten lower
// case).
func (b *builder) currency() (code, printed string) {
	code = []string{"EUR", "EUR", "EUR", "USD", "GBP"}[b.r.IntN(5)]
	if b.r.IntN(10) == 0 {
		return code, strings.ToLower(code)
	}
	return code, code
}

// amount prints cents mostly as a JSON number, sometimes as an OCR string
// ("1.234,56", "1,234.56", "1 234,56 €").
func (b *builder) amount(cents int64, code string) json.RawMessage {
	var s string
	switch p := b.r.IntN(10); {
	case p < 8:
		return json.RawMessage(fmt.Sprintf("%d.%02d", cents/100, cents%100))
	case p == 8:
		s = groupThousands(cents/100, ".") + fmt.Sprintf(",%02d", cents%100)
	case code == "EUR":
		s = groupThousands(cents/100, " ") + fmt.Sprintf(",%02d €", cents%100)
	default:
		s = groupThousands(cents/100, ",") + fmt.Sprintf(".%02d", cents%100)
	}
	raw, _ := json.Marshal(s)
	return raw
}

// groupThousands prints n with sep between groups of three digits.
func groupThousands(n int64, sep string) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// decimal prints hundredths as a JSON number without trailing zeros.
func decimal(hundredths int64) json.RawMessage {
	s := fmt.Sprintf("%d.%02d", hundredths/100, hundredths%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return json.RawMessage(s)
}
