package destinations

import "github.com/numora/numora-connector/mapping"

// LookupMissing applies a lookup's on_missing policy, the same for every
// destination, when no row matched: null reports that the reference is set
// to null; otherwise err is the skip (skip_document) or the failure (fail),
// with code lookup_missing and msg, which says what was looked for.
func LookupMissing(l *mapping.Lookup, msg string) (null bool, err error) {
	switch l.OnMissing {
	case mapping.OnMissingNull:
		return true, nil
	case mapping.OnMissingSkip:
		return false, &Error{Class: Skip, Code: "lookup_missing", Message: msg}
	}
	return false, &Error{Class: Permanent, Code: "lookup_missing", Message: msg}
}

// LookupLabel names a lookup in messages: its label in the rules, or
// "lookup".
func LookupLabel(l *mapping.Lookup) string {
	if l.Label != "" {
		return l.Label
	}
	return "lookup"
}
