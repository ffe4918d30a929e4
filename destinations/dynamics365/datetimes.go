package dynamics365

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/numora/numora-connector/internal/flight"
	"github.com/numora/numora-connector/mapping"
)

// Dataverse's DateTimeBehavior values (dataverse.md §5, §13).
const (
	behaviorDateOnly    = "DateOnly"
	behaviorUserLocal   = "UserLocal"
	behaviorIndependent = "TimeZoneIndependent"
)

// behaviorCache holds each table's date-time columns' DateTimeBehavior,
// read once per destination, for the tables a plan writes date-times to.
type behaviorCache struct {
	mu    sync.RWMutex
	bySet map[string]map[string]string
	group singleflight.Group
}

// dateBehaviors returns the DateTimeBehavior of info's date-time columns,
// reading them on first use.
func (d *Destination) dateBehaviors(ctx context.Context, info entityInfo) (map[string]string, error) {
	c := &d.behaviors
	return flight.Cached(&c.group, info.EntitySetName, func() (map[string]string, bool) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		b, ok := c.bySet[info.EntitySetName]
		return b, ok
	}, func() (map[string]string, error) {
		m, err := d.readDateBehaviors(ctx, info)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.bySet == nil {
			c.bySet = map[string]map[string]string{}
		}
		c.bySet[info.EntitySetName] = m
		return m, nil
	})
}

// readDateBehaviors asks Dataverse for the DateTimeBehavior of each of
// info's date-time columns.
func (d *Destination) readDateBehaviors(ctx context.Context, info entityInfo) (map[string]string, error) {
	t := &tableMeta{info: info, attrs: map[string]*attrMeta{}}
	var names struct{ Value []*attrMeta }
	root := "EntityDefinitions(LogicalName='" + info.LogicalName + "')/"
	if err := d.getJSON(ctx, root+"Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName", &names); err != nil {
		return nil, err
	}
	for _, a := range names.Value {
		t.attrs[a.Name] = a
	}
	if err := d.readBehaviors(ctx, root, t); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for name, a := range t.attrs {
		m[name] = a.Behavior
	}
	return m, nil
}

// prepareDateTimes reads the behaviours of the record's table when it
// writes a date-time, so that body can write each as its column stores it.
func (w *docWrite) prepareDateTimes(ctx context.Context, r *recWrite) error {
	for _, c := range r.rec.Columns {
		if c.Value.Type == mapping.TypeDateTime && !c.Value.IsNull() {
			b, err := w.d.dateBehaviors(ctx, r.info)
			r.behaviors = b
			return err
		}
	}
	return nil
}

// columnValue is a column's JSON value as its Dataverse column takes it: a
// date-time in UTC for UserLocal columns (the API converts nothing), its
// wall-clock time as written for TimeZoneIndependent ones (stored without
// conversion), and its date as written for DateOnly ones.
func (r *recWrite) columnValue(c mapping.Column) any {
	if c.Value.Type != mapping.TypeDateTime || c.Value.IsNull() {
		return jsonValue(c.Value)
	}
	switch r.behaviors[c.Name] {
	case behaviorIndependent:
		return c.Value.WallClock() + "Z"
	case behaviorDateOnly:
		return c.Value.WallClock()[:len("2006-01-02")]
	}
	return jsonValue(c.Value)
}
