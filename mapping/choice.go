package mapping

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// choiceSet maps option labels to values, case- and accent-insensitively.
type choiceSet struct {
	byLabel map[string]int64 // folded label → value
	labels  []string         // labels as written, sorted, for messages
	values  map[int64]bool   // valid option values
	source  map[string]int64 // labels as written, for RecordSpec
}

// newChoiceSet builds a set from labels and values; labels must not fold
// to the same text with different values.
func newChoiceSet(options map[string]int64) choiceSet {
	c := choiceSet{byLabel: map[string]int64{}, values: map[int64]bool{}, source: options}
	for label, v := range options {
		c.byLabel[fold(label)] = v
		c.values[v] = true
		c.labels = append(c.labels, label)
	}
	slices.Sort(c.labels)
	return c
}

// lookup returns the option value for a label or a numeric option value.
func (c *choiceSet) lookup(label string) (int64, bool) {
	if v, ok := c.byLabel[fold(label)]; ok {
		return v, true
	}
	if v, err := strconv.ParseInt(strings.TrimSpace(label), 10, 64); err == nil && c.values[v] {
		return v, true
	}
	return 0, false
}

// fold normalises a label: trimmed, spaces collapsed, lower case, accents
// removed ("  Café  Crème " → "cafe creme").
func fold(s string) string {
	s = strings.TrimSpace(s)
	if isPlainLower(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// isPlainLower reports whether s is ASCII without upper case letters or
// repeated spaces, so folding would not change it.
func isPlainLower(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c >= 'A' && c <= 'Z') || c == '\t' || c == '\n' || c == '\r' ||
			(c == ' ' && i > 0 && s[i-1] == ' ') {
			return false
		}
	}
	return true
}
