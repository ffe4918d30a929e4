// Package suggest finds the word a person probably meant, for "did you
// mean" hints in error messages: a misspelt setting, command, flag, column
// or table name.
package suggest

import "strings"

// Closest returns the candidate word most likely meant, or "" when none is
// close enough: the nearest by edit distance (case-insensitive, a swap of
// two neighbours counting as one edit) within a third of word's length (1
// to 3 edits), else the one candidate that starts with word (at least 3
// letters: "skip" for "skip_document"). Among equally near candidates the
// first wins. A candidate equal to word is never returned.
func Closest(word string, candidates []string) string {
	best, bestDist := "", -1
	lw := strings.ToLower(word)
	for _, c := range candidates {
		if c == word {
			continue
		}
		if d := Distance(lw, strings.ToLower(c)); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, min(3, len([]rune(word))/3))
	if bestDist >= 0 && bestDist <= limit {
		return best
	}
	return uniquePrefix(lw, candidates)
}

// DidYouMean returns ` (did you mean "x"?)` for Closest's answer, or "".
func DidYouMean(word string, candidates []string) string {
	if s := Closest(word, candidates); s != "" {
		return ` (did you mean "` + s + `"?)`
	}
	return ""
}

// uniquePrefix returns the one candidate that starts with word, or "".
func uniquePrefix(word string, candidates []string) string {
	found := ""
	for _, c := range candidates {
		if len(word) >= 3 && strings.HasPrefix(strings.ToLower(c), word) && c != word {
			if found != "" {
				return ""
			}
			found = c
		}
	}
	return found
}

// Distance is the edit distance between a and b in runes, counting a swap
// of two neighbours as one edit (optimal string alignment).
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
