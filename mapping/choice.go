package mapping

import (
	"slices"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// choiceSet maps option labels to options, case- and accent-insensitively.
type choiceSet struct {
	byLabel map[string]Option // folded label → option, label as written
	byValue map[int64]Option  // option value → its first label (sorted)
	labels  []string          // labels as written, sorted, for messages
	source  map[string]int64  // labels as written, for RecordSpec
}

// newChoiceSet builds a set from labels and values; labels must not fold
// to the same text with different values.
func newChoiceSet(options map[string]int64) choiceSet {
	c := choiceSet{byLabel: map[string]Option{}, byValue: map[int64]Option{}, source: options}
	for label := range options {
		c.labels = append(c.labels, label)
	}
	slices.Sort(c.labels)
	for _, label := range c.labels {
		o := Option{Label: label, Value: options[label]}
		c.byLabel[fold(label)] = o
		if _, dup := c.byValue[o.Value]; !dup {
			c.byValue[o.Value] = o
		}
	}
	return c
}

// lookup returns the option for a label, or for a numeric option value
// (then labelled with the first label, in sorted order, declared for it).
func (c *choiceSet) lookup(label string) (Option, bool) {
	if o, ok := c.byLabel[fold(label)]; ok {
		return o, true
	}
	if v, err := strconv.ParseInt(strings.TrimSpace(label), 10, 64); err == nil {
		o, ok := c.byValue[v]
		return o, ok
	}
	return Option{}, false
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
