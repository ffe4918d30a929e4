package destinations

import (
	"strings"

	"github.com/numora/numora-connector/mapping"
)

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

// LookupNotFound is the message of a lookup that matched nothing, its
// match values written by literal (the destination's query literal):
// "vendor with accountnumber 'X' not found in accounts".
func LookupNotFound(l *mapping.Lookup, literal func(mapping.Value) (string, error)) string {
	return LookupLabel(l) + " " + MatchText(l.Match, literal) + " not found in " + l.Entity
}

// MatchText renders a lookup's match columns for messages, each value as
// literal writes it (its text when literal refuses it): "with
// accountnumber 'X' and name 'Y'".
func MatchText(cols []mapping.Column, literal func(mapping.Value) (string, error)) string {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		lit, err := literal(c.Value)
		if err != nil {
			lit = c.Value.Text()
		}
		parts = append(parts, c.Name+" "+lit)
	}
	return "with " + strings.Join(parts, " and ")
}

// RecordLabel names a plan record in messages: "invoice (Invoice__c)", or
// with its line item "line li_3 (new_vendorinvoicelines)".
func RecordLabel(rec *mapping.Record) string {
	if rec.ItemID != "" {
		return rec.Name + " " + rec.ItemID + " (" + rec.Entity + ")"
	}
	return rec.Name + " (" + rec.Entity + ")"
}
