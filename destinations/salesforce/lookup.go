package salesforce

import (
	"context"
	"fmt"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// lookupSOQL is the query a lookup runs: two rows tell one from several.
func lookupSOQL(l *mapping.Lookup) (string, error) {
	if !identRE.MatchString(l.Entity) || strings.Contains(l.Entity, ".") {
		return "", fmt.Errorf("%q is not an object name", l.Entity)
	}
	where, err := soqlWhere(l.Match)
	if err != nil {
		return "", err
	}
	return "SELECT Id FROM " + l.Entity + " WHERE " + where + " LIMIT 2", nil
}

// lookup finds the record l describes by SOQL and returns its id, or ""
// when none matches; several matches are a permanent lookup_ambiguous.
func (d *Destination) lookup(ctx context.Context, l *mapping.Lookup) (string, error) {
	soql, err := lookupSOQL(l)
	if err != nil {
		return "", permanent("lookup_invalid", destinations.LookupLabel(l)+": "+err.Error())
	}
	return d.lookups.Do(soql, d.cfg.Clock.Now, func() (string, error) {
		recs, err := d.query(ctx, soql)
		if err != nil {
			return "", err
		}
		if len(recs) > 1 {
			return "", permanent("lookup_ambiguous", fmt.Sprintf("%s: several %s records match %s: %s, %s",
				destinations.LookupLabel(l), l.Entity, matchText(l.Match), stringField(recs[0], "Id"), stringField(recs[1], "Id")))
		}
		if len(recs) == 1 {
			return stringField(recs[0], "Id"), nil
		}
		return "", nil
	})
}

// missingLookup applies l.OnMissing when nothing matched: ok true means
// set the reference to null; otherwise err is the skip or failure.
func missingLookup(l *mapping.Lookup) (ok bool, err error) {
	return destinations.LookupMissing(l, destinations.LookupNotFound(l, soqlLiteral))
}

// matchText renders match columns for messages: "with Tax_Id__c 'X'".
func matchText(cols []mapping.Column) string { return destinations.MatchText(cols, soqlLiteral) }
