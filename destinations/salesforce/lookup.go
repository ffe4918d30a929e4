package salesforce

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// lookupCache remembers lookup answers (including "no record") for a
// while; concurrent misses for the same query run it once.
type lookupCache struct {
	ttl   time.Duration
	mu    sync.Mutex
	items map[string]lookupAnswer
	group singleflight.Group
}

type lookupAnswer struct {
	id string // "" for no record
	at time.Time
}

func (c *lookupCache) get(key string, now time.Time) (lookupAnswer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.items[key]
	if !ok || now.Sub(a.at) >= c.ttl {
		return lookupAnswer{}, false
	}
	return a, true
}

func (c *lookupCache) put(key string, a lookupAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string]lookupAnswer{}
	}
	c.items[key] = a
}

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
	if a, ok := d.lookups.get(soql, d.cfg.Clock.Now()); ok {
		return a.id, nil
	}
	v, err, _ := d.lookups.group.Do(soql, func() (any, error) {
		recs, err := d.query(ctx, soql)
		if err != nil {
			return "", err
		}
		if len(recs) > 1 {
			return "", permanent("lookup_ambiguous", fmt.Sprintf("%s: several %s records match %s: %s, %s",
				destinations.LookupLabel(l), l.Entity, matchText(l.Match), stringField(recs[0], "Id"), stringField(recs[1], "Id")))
		}
		a := lookupAnswer{at: d.cfg.Clock.Now()}
		if len(recs) == 1 {
			a.id = stringField(recs[0], "Id")
		}
		d.lookups.put(soql, a)
		return a.id, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// missingLookup applies l.OnMissing when nothing matched: ok true means
// set the reference to null; otherwise err is the skip or failure.
func missingLookup(l *mapping.Lookup) (ok bool, err error) {
	return destinations.LookupMissing(l, destinations.LookupNotFound(l, soqlLiteral))
}

// matchText renders match columns for messages: "with Tax_Id__c 'X'".
func matchText(cols []mapping.Column) string { return destinations.MatchText(cols, soqlLiteral) }
