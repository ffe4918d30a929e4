package salesforce

import (
	"context"
	"fmt"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// fillBody builds r's request body: its columns (not the key field, which
// is in the URL) and its binds.
func (w *docWrite) fillBody(ctx context.Context, r *recWrite) error {
	if r.unchanged {
		return nil
	}
	r.body = map[string]any{}
	for _, c := range r.rec.Columns {
		if strings.EqualFold(c.Name, r.keyField) {
			continue
		}
		r.body[c.Name] = jsonValue(c.Value)
	}
	for i := range r.rec.Binds {
		if err := w.bind(ctx, r, &r.rec.Binds[i]); err != nil {
			return err
		}
	}
	return nil
}

// bind sets one reference: to a record of this document (@{rN.id}), to a
// looked-up record, or to null. A field an update cannot change (a
// master-detail parent) is left out when the record exists.
func (w *docWrite) bind(ctx context.Context, r *recWrite, b *mapping.Bind) error {
	name := b.NavProperty
	f := r.field(name)
	if f != nil {
		name = f.Name
		if r.existing != "" && !f.Updateable {
			return nil
		}
	} else if r.info != nil {
		return permanent("plan_invalid", fmt.Sprintf("%s: %s is not a reference field of %s", r.label(), b.NavProperty, r.rec.Entity))
	}
	switch {
	case b.Clear:
		r.body[name] = nil
	case b.Lookup != nil:
		return w.lookupBind(ctx, r, name, f, b.Lookup)
	case b.Ref >= 0 && b.Ref < r.idx:
		target := w.recs[b.Ref]
		if target.unchanged {
			r.body[name] = target.id
		} else {
			r.body[name] = "@{" + target.ref() + ".id}"
		}
	default:
		return permanent("plan_invalid", fmt.Sprintf("%s: %s references record %d, not an earlier one", r.label(), b.NavProperty, b.Ref))
	}
	return nil
}

// lookupBind binds a looked-up record: by its External ID inside the
// request when Salesforce can resolve it there with the same outcome (one
// match column that is an External ID, on_missing: fail), else by a SOQL
// query first, applying on_missing.
func (w *docWrite) lookupBind(ctx context.Context, r *recWrite, name string, f *fieldInfo, l *mapping.Lookup) error {
	if ok, err := w.inlineLookup(ctx, r, f, l); ok || err != nil {
		return err
	}
	soql, err := lookupSOQL(l)
	if err != nil {
		return permanent("lookup_invalid", destinations.LookupLabel(l)+": "+err.Error())
	}
	if w.preview {
		r.body[name] = w.showQuery(destinations.LookupLabel(l)+" for "+r.label(), soql)
		return nil
	}
	id, err := w.d.lookup(ctx, l)
	if err != nil {
		return err
	}
	if id == "" {
		null, err := missingLookup(l)
		if err != nil {
			return err
		}
		if null {
			r.body[name] = nil
		}
		return nil
	}
	r.body[name] = id
	return nil
}

func (w *docWrite) inlineLookup(ctx context.Context, r *recWrite, f *fieldInfo, l *mapping.Lookup) (bool, error) {
	if f == nil || f.RelationshipName == "" || l.OnMissing != mapping.OnMissingFail || len(l.Match) != 1 {
		return false, nil
	}
	target, err := w.d.objectInfo(ctx, l.Entity, w.preview)
	if err != nil || target == nil {
		return false, err
	}
	m := l.Match[0]
	if tf := target.field(m.Name); tf == nil || !tf.ExternalID {
		return false, nil
	}
	v, err := keyText(m.Value)
	if err != nil {
		return false, nil
	}
	r.body[f.RelationshipName] = map[string]any{m.Name: v}
	if r.inline == nil {
		r.inline = map[string]*mapping.Lookup{}
	}
	r.inline[f.RelationshipName] = l
	return true, nil
}
