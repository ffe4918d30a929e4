package mapping

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIntDigits bounds a number's integer digits (.NET decimal holds 28-29
// significant digits; Dataverse money and decimal columns hold far less).
const maxIntDigits = 28

// decimal is an exact decimal number: sign, integer digits and fraction
// digits, as text.
type decimal struct {
	neg  bool
	intp string
	frac string
}

// parseJSONNumber reads JSON number text (exponents included) exactly.
func parseJSONNumber(s string) (decimal, bool) {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	intp, frac, _ := strings.Cut(mant, ".")
	if intp == "" || !allDigits(intp) || !allDigits(frac) {
		return d, false
	}
	d.intp, d.frac = intp, frac
	if !hasExp {
		return d, true
	}
	e, ok := smallInt(exp)
	if !ok {
		return d, false
	}
	return d.shift(e), true
}

// smallInt reads an exponent in [-64, 64].
func smallInt(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" || len(s) > 2 || !allDigits(s) {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, n >= -64 && n <= 64
}

// shift multiplies d by 10^e.
func (d decimal) shift(e int) decimal {
	digits := d.intp + d.frac
	point := len(d.intp) + e
	switch {
	case point <= 0:
		d.intp, d.frac = "0", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		d.intp, d.frac = digits+strings.Repeat("0", point-len(digits)), ""
	default:
		d.intp, d.frac = digits[:point], digits[point:]
	}
	return d
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isGroupRune reports runes used to group thousands besides '.' and ','.
func isGroupRune(r rune) bool {
	switch r {
	case ' ', '\u00a0', '\u2009', '\u202f', '\'', '’':
		return true
	}
	return false
}

// parseOCRNumber reads number text as OCR produces it: "1.234,56",
// "1,234.56", "1 234,56 €", "(12.50)", "-12,5", "EUR 12.50-". sep is the
// decimal separator, or 0 to guess it.
func parseOCRNumber(s string, sep byte) (decimal, bool) {
	var d decimal
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' {
		d.neg, s = true, s[1:len(s)-1]
	}
	core, signs, ok := stripAffixes(s)
	if !ok || signs > 1 || (signs == 1 && d.neg) {
		return d, false
	}
	d.neg = d.neg || signs == 1
	var runs [12]string
	var seps [12]rune
	n, ok := splitRuns(core, runs[:], seps[:])
	if !ok {
		return d, false
	}
	dec, ok := decimalIndex(runs[:n+1], seps[:n], sep)
	if !ok || !validGroups(runs[:n+1], seps[:n], dec) {
		return d, false
	}
	d.intp, d.frac = joinRuns(runs[:n+1], dec)
	if d.intp == "" && d.frac == "" {
		return d, false
	}
	return d, true
}

// stripAffixes removes currency codes and symbols, spaces and signs around
// the digits; signs counts the minus signs seen.
func stripAffixes(s string) (core string, signs int, ok bool) {
	start := strings.IndexFunc(s, isNumberRune)
	if start < 0 {
		return "", 0, false
	}
	end := strings.LastIndexFunc(s, isNumberRune) + 1 // number runes are ASCII
	if !validAffix(s[:start], &signs) || !validAffix(s[end:], &signs) {
		return "", 0, false
	}
	return s[start:end], signs, true
}

func isNumberRune(r rune) bool { return (r >= '0' && r <= '9') || r == '.' || r == ',' }

// validAffix accepts what may stand before or after a number: spaces,
// signs, currency symbols and currency words ("EUR", "kr"), counting minus
// signs.
func validAffix(a string, signs *int) bool {
	word := -1
	for i, r := range a {
		if unicode.IsLetter(r) {
			if word < 0 {
				word = i
			}
			continue
		}
		if word >= 0 && !currencyWord(a[word:i]) {
			return false
		}
		word = -1
		switch {
		case r == '-' || r == '\u2212':
			*signs++
		case r == '+' || unicode.IsSpace(r) || unicode.Is(unicode.Sc, r):
		default:
			return false
		}
	}
	return word < 0 || currencyWord(a[word:])
}

// currencyWords are currency names accepted in any case next to a number,
// besides upper-case three-letter codes.
var currencyWords = []string{"eur", "euro", "euros", "usd", "gbp", "chf", "kr", "fr", "zł", "kč", "ft", "lei", "rs"}

// currencyWord reports whether w may name a currency: an ISO 4217 shaped
// code ("EUR") or a common currency word.
func currencyWord(w string) bool {
	if len(w) == 3 && strings.ToUpper(w) == w && allLetters(w) {
		return true
	}
	return slices.Contains(currencyWords, strings.ToLower(w))
}

func allLetters(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'A' || w[i] > 'Z' {
			return false
		}
	}
	return true
}

// splitRuns splits core into digit runs and the separators between them;
// it returns the number of separators.
func splitRuns(core string, runs []string, seps []rune) (int, bool) {
	n, start := 0, 0
	for i, r := range core {
		if r >= '0' && r <= '9' {
			continue
		}
		if r != '.' && r != ',' && !isGroupRune(r) {
			return 0, false
		}
		if n == len(seps) || (i == start && n > 0) {
			return 0, false // too many groups, or two separators in a row
		}
		runs[n], seps[n] = core[start:i], r
		n++
		start = i + utf8.RuneLen(r)
	}
	runs[n] = core[start:]
	return n, true
}

// decimalIndex returns the index in seps of the decimal separator, or -1.
func decimalIndex(runs []string, seps []rune, sep byte) (int, bool) {
	last := len(seps) - 1
	if sep != 0 {
		idx := -1
		for i, r := range seps {
			if r == rune(sep) {
				if idx >= 0 {
					return 0, false
				}
				idx = i
			}
		}
		return idx, idx < 0 || idx == last
	}
	if last < 0 || isGroupRune(seps[last]) {
		return -1, true
	}
	c, count, other, spaced := seps[last], 0, false, false
	for _, r := range seps {
		switch {
		case r == c:
			count++
		case isGroupRune(r):
			spaced = true
		default:
			other = true
		}
	}
	switch {
	case count > 1:
		return -1, true // "1.234.567": all grouping
	case other:
		return last, true // "1.234,56"
	case len(runs[last+1]) == 3 && len(runs[0]) >= 1 && len(runs[0]) <= 3 && runs[0] != "0" && !spaced:
		return -1, true // "1,234" or "12.500": read as thousands
	}
	return last, true
}

// validGroups checks the thousands groups before the decimal separator:
// one kind of separator, a first group of 1-3 digits, then groups of 3.
func validGroups(runs []string, seps []rune, dec int) bool {
	groups := len(seps)
	if dec >= 0 {
		groups = dec
	}
	if groups == 0 {
		return true
	}
	for i := range groups {
		if seps[i] != seps[0] || (dec >= 0 && seps[i] == seps[dec]) {
			return false
		}
		if len(runs[i+1]) != 3 {
			return false
		}
	}
	return len(runs[0]) >= 1 && len(runs[0]) <= 3
}

// joinRuns returns the integer and fraction digits.
func joinRuns(runs []string, dec int) (string, string) {
	if dec < 0 {
		return strings.Join(runs, ""), ""
	}
	if dec == 0 {
		return runs[0], runs[1]
	}
	return strings.Join(runs[:dec+1], ""), runs[dec+1]
}

// canonical reports whether s is already the shortest text of a decimal
// with at most prec fraction digits, so it can be used as is.
func canonical(s string, prec int) bool {
	body := strings.TrimPrefix(s, "-")
	intp, frac, hasPoint := strings.Cut(body, ".")
	if intp == "" || !allDigits(intp) || !allDigits(frac) || (len(intp) > 1 && intp[0] == '0') {
		return false
	}
	if hasPoint && (frac == "" || frac[len(frac)-1] == '0' || len(frac) > prec) {
		return false
	}
	return !(body != s && strings.Trim(body, "0.") == "") && len(intp) <= maxIntDigits
}

// text rounds d half away from zero to prec fraction digits and returns its
// shortest text ("1234.5", "-0.25", "0"); ok is false if it is too large.
func (d decimal) text(prec int) (string, bool) {
	intp := strings.TrimLeft(d.intp, "0")
	frac := d.frac
	if len(frac) > prec {
		up := frac[prec] >= '5'
		frac = frac[:prec]
		if up {
			intp, frac = roundUp(intp, frac)
		}
	}
	frac = strings.TrimRight(frac, "0")
	if len(intp) > maxIntDigits {
		return "", false
	}
	if intp == "" && frac == "" {
		return "0", true
	}
	var buf [2*maxIntDigits + 16]byte
	b := buf[:0]
	if d.neg {
		b = append(b, '-')
	}
	if intp == "" {
		b = append(b, '0')
	}
	b = append(b, intp...)
	if frac != "" {
		b = append(b, '.')
		b = append(b, frac...)
	}
	return string(b), true
}

// roundUp adds one unit in the last place of intp.frac.
func roundUp(intp, frac string) (string, string) {
	digits := []byte(intp + frac)
	i := len(digits) - 1
	for ; i >= 0; i-- {
		if digits[i] != '9' {
			digits[i]++
			break
		}
		digits[i] = '0'
	}
	if i < 0 {
		digits = append([]byte{'1'}, digits...)
	}
	cut := len(digits) - len(frac)
	return string(digits[:cut]), string(digits[cut:])
}
