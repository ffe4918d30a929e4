package mapping

import (
	"strings"

	sg "github.com/numora/numora-connector/internal/suggest"
)

// suggest returns the candidate most likely meant by word, or "" (see
// suggest.Closest, shared with the CLI and online validation).
func suggest(word string, candidates []string) string { return sg.Closest(word, candidates) }

// didYouMean returns ` (did you mean "x"?)` for the closest candidate, or "".
func didYouMean(word string, candidates []string) string { return sg.DidYouMean(word, candidates) }

// quoteList renders names as `"a", "b", "c"` for messages.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}
