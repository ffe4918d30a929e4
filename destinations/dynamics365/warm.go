package dynamics365

import (
	"context"
	"slices"
	"sync"

	"github.com/numora/numora-connector/mapping"
)

// warmLookup is a lookup's answer found by warm.
type warmLookup struct {
	answer lookupAnswer
	err    error
}

// warm fetches, side by side, the table metadata and then the lookups a
// plan needs when some of its tables are not known yet (the first
// documents of a run): a cold start then costs two round trips instead of
// one per table and per lookup. It returns the lookups' answers and errors
// for prepare; metadata errors are left for prepare to meet again.
func (d *Destination) warm(ctx context.Context, plan *mapping.Plan) map[*mapping.Lookup]warmLookup {
	var sets []string
	var lookups []*mapping.Lookup
	cold := false
	for i := range plan.Records {
		for _, set := range entitySets(&plan.Records[i]) {
			if slices.Contains(sets, set) {
				continue
			}
			sets = append(sets, set)
			_, ok := d.entities.peek(set)
			cold = cold || !ok
		}
		for _, b := range plan.Records[i].Binds {
			if b.Lookup != nil {
				lookups = append(lookups, b.Lookup)
			}
		}
	}
	if !cold {
		return nil
	}
	var wg sync.WaitGroup
	for _, s := range sets {
		wg.Go(func() { _, _ = d.entity(ctx, s) })
	}
	wg.Wait()
	found := make([]warmLookup, len(lookups))
	for i, l := range lookups {
		wg.Go(func() { found[i].answer, found[i].err = d.lookup(ctx, l) })
	}
	wg.Wait()
	out := make(map[*mapping.Lookup]warmLookup, len(lookups))
	for i, l := range lookups {
		out[l] = found[i]
	}
	return out
}

// entitySets lists the tables a record writes and looks up.
func entitySets(rec *mapping.Record) []string {
	sets := []string{rec.Entity}
	for _, b := range rec.Binds {
		if b.Lookup != nil {
			sets = append(sets, b.Lookup.Entity)
		}
	}
	return sets
}
