package dynamics365

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/numora/numora-connector/mapping"
)

// codeValidation is the error code Dataverse answers a value it refuses
// with (400), a string longer than its column's MaxLength among them.
const codeValidation = "0x80044331"

// Rehearse does what Deliver would for plan, short of writing: it reads
// table metadata, runs the lookups and key queries (so a lookup that finds
// nothing is the skip or failure Deliver would return), refuses a string
// longer than its column's MaxLength with the code Dataverse answers, and
// writes the requests Deliver would send, the lookups' answers filled in.
// Mirrored records' rows are read at once (Deliver reads them only when
// its first attempt finds the document written before), so the rehearsal
// of a re-delivery shows the query and the DELETE of each row it removes.
// Errors are Deliver's *destinations.Error values.
func (d *Destination) Rehearse(ctx context.Context, plan *mapping.Plan, out io.Writer) error {
	w, err := d.prepare(ctx, plan, false)
	if err != nil {
		return classify(err)
	}
	if w.probe != nil {
		w.probe, w.rehearsing = nil, true
		if err := w.prepareMirror(ctx, false); err != nil {
			return classify(err)
		}
	}
	for _, r := range w.recs {
		if err := d.checkLengths(ctx, r); err != nil {
			return err
		}
	}
	return d.writePreview(out, plan, w)
}

// checkLengths refuses, as Dataverse would, a string value longer than its
// column's MaxLength.
func (d *Destination) checkLengths(ctx context.Context, r *recWrite) error {
	lengths, err := d.lengths.of(ctx, d, r.info)
	if err != nil {
		return classify(err)
	}
	for _, c := range r.rec.Columns {
		s := c.Value.Text()
		max := lengths[strings.ToLower(c.Name)]
		if c.Value.IsNull() || c.Value.Type != mapping.TypeString || max == 0 || utf8.RuneCountInString(s) <= max {
			continue
		}
		return permanent("crm_400_"+codeValidation, fmt.Sprintf("A validation error occurred. The length of the '%s' "+
			"attribute of the '%s' entity exceeded the maximum allowed length of '%d'.", c.Name, r.info.LogicalName, max))
	}
	return nil
}

// lengthCache holds the MaxLength of each table's string and memo columns,
// read once per table.
type lengthCache struct {
	mu     sync.Mutex
	tables map[string]map[string]int // by logical name, then column
}

func (c *lengthCache) of(ctx context.Context, d *Destination, info entityInfo) (map[string]int, error) {
	c.mu.Lock()
	l, ok := c.tables[info.LogicalName]
	c.mu.Unlock()
	if ok {
		return l, nil
	}
	t := &tableMeta{info: info, attrs: map[string]*attrMeta{}}
	if err := d.readMaxLengths(ctx, "EntityDefinitions(LogicalName='"+info.LogicalName+"')/", t); err != nil {
		return nil, err
	}
	l = map[string]int{}
	for name, a := range t.attrs {
		l[name] = a.MaxLength
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tables == nil {
		c.tables = map[string]map[string]int{}
	}
	c.tables[info.LogicalName] = l
	return l, nil
}
