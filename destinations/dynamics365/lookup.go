package dynamics365

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// lookupAnswer is the GUID a lookup found, "" for no row, and the request
// id of the query that found it.
type lookupAnswer struct {
	id        string
	requestID string
}

// lookup finds the row l describes and returns the answer: its GUID, or ""
// when no row matches. Two or more matches are a permanent error naming
// them.
func (d *Destination) lookup(ctx context.Context, l *mapping.Lookup) (lookupAnswer, error) {
	filter, err := filterExpr(l.Match)
	if err != nil {
		return lookupAnswer{}, permanent("lookup_invalid", fmt.Sprintf("%s: %v", destinations.LookupLabel(l), err))
	}
	key := l.Entity + "\x00" + filter
	return d.lookups.Do(key, d.clock.Now, func() (lookupAnswer, error) {
		ids, reqID, err := d.queryIDs(ctx, l.Entity, l.Match)
		if err != nil {
			return lookupAnswer{}, err
		}
		if len(ids) > 1 {
			return lookupAnswer{}, permanent("lookup_ambiguous", withRequestID(fmt.Sprintf("%s: %d rows in %s match %s: %s",
				destinations.LookupLabel(l), len(ids), l.Entity, filter, strings.Join(ids, ", ")), reqID))
		}
		a := lookupAnswer{requestID: reqID}
		if len(ids) == 1 {
			a.id = ids[0]
		}
		return a, nil
	})
}

// queryIDs returns the GUIDs of at most two rows of entitySet matching
// cols (two are enough to tell "one" from "several") and the query's
// request id.
func (d *Destination) queryIDs(ctx context.Context, entitySet string, cols []mapping.Column) ([]string, string, error) {
	info, err := d.entity(ctx, entitySet)
	if err != nil {
		return nil, "", err
	}
	filter, err := filterExpr(cols)
	if err != nil {
		return nil, "", err
	}
	resp, err := d.call(ctx, &request{method: "GET", idempotent: true,
		url: queryURL(d.base, entitySet, info.PrimaryIDAttribute, filter, 2)})
	if err != nil {
		return nil, "", err
	}
	var page struct {
		Value []map[string]any `json:"value"`
	}
	if err := json.Unmarshal(resp.body, &page); err != nil {
		return nil, "", fmt.Errorf("dynamics365: decoding %s query%s: %w", entitySet, requestIDSuffix(resp.requestID()), err)
	}
	ids := make([]string, 0, len(page.Value))
	for _, row := range page.Value {
		if id, ok := row[info.PrimaryIDAttribute].(string); ok {
			ids = append(ids, id)
		}
	}
	return ids, resp.requestID(), nil
}

// missingLookup applies l.OnMissing when no row matched (the query's
// request id is reqID): ok true means bind null; otherwise err is the skip
// or failure.
func missingLookup(l *mapping.Lookup, reqID string) (ok bool, err error) {
	return destinations.LookupMissing(l, withRequestID(destinations.LookupNotFound(l, literal), reqID))
}

// matchText renders match columns for messages: "with accountnumber 'X'".
func matchText(cols []mapping.Column) string { return destinations.MatchText(cols, literal) }

func permanent(code, msg string) *destinations.Error {
	return &destinations.Error{Class: destinations.Permanent, Code: code, Message: msg}
}
