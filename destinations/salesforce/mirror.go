package salesforce

import (
	"context"
	"fmt"
	"strconv"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// removal is a record the document no longer has a line item for,
// deleted in the same composite request as the document's writes.
type removal struct {
	idx int
	m   *mapping.Mirror
	id  string
	// gone marks a record deleted since it was read (its DELETE got
	// 404): it is not sent again.
	gone    bool
	outcome destinations.Outcome
}

func (rm *removal) ref() string { return "d" + strconv.Itoa(rm.idx) }

func (rm *removal) label() string {
	return fmt.Sprintf("%s %s (%s)", rm.m.Record, rm.id, rm.m.Entity)
}

// prepareMirror finds, per mirror entry, the records written for this
// document (the owner field holds its id) that the plan's records do not
// name, by the record's External ID field, and plans their deletion.
// Records without the document id, added by a person, are never read.
func (w *docWrite) prepareMirror(ctx context.Context) error {
	for i := range w.plan.Mirror {
		if err := w.mirrorOne(ctx, &w.plan.Mirror[i]); err != nil {
			return err
		}
	}
	return nil
}

func (w *docWrite) mirrorOne(ctx context.Context, m *mapping.Mirror) error {
	if m.OnRemoved != mapping.RemoveDelete {
		return permanent("plan_unsupported", fmt.Sprintf("mirror %s: on_removed: %s has no Salesforce equivalent "+
			"(custom objects have no statecode); use delete or keep", m.Record, m.OnRemoved))
	}
	keyField := w.d.cfg.IDField
	if len(m.KeyColumns) == 1 {
		keyField = m.KeyColumns[0]
	} else if len(m.KeyColumns) > 1 {
		return permanent("plan_key", fmt.Sprintf("mirror %s: Salesforce matches rows by one External ID field; the key has %d",
			m.Record, len(m.KeyColumns)))
	}
	where, err := soqlWhere([]mapping.Column{m.Owner})
	if err != nil || !identRE.MatchString(m.Entity) || !identRE.MatchString(keyField) {
		return permanent("plan_invalid", fmt.Sprintf("mirror %s: cannot query its records: %v", m.Record, err))
	}
	soql := "SELECT Id, " + keyField + " FROM " + m.Entity + " WHERE " + where
	if w.preview {
		w.ownedOf(m.Entity, keyField) // shown as new records, as for a first delivery
		w.showQuery(fmt.Sprintf("%s records written for this document, to delete those whose line items are gone", m.Record), soql)
		return nil
	}
	rows, err := w.d.query(ctx, soql)
	if err != nil {
		return err
	}
	owned := w.ownedOf(m.Entity, keyField)
	for _, row := range rows {
		id, key := stringField(row, "Id"), stringField(row, keyField)
		if id == "" {
			continue
		}
		owned[lower(key)] = id
		if !w.current(m, key) {
			w.removals = append(w.removals, &removal{idx: len(w.removals), m: m, id: id})
		}
	}
	return nil
}

// ownedOf returns the map of owned records of entity by keyField.
func (w *docWrite) ownedOf(entity, keyField string) map[string]string {
	if w.owned == nil {
		w.owned = map[string]map[string]string{}
	}
	k := ownedKey(entity, keyField)
	if w.owned[k] == nil {
		w.owned[k] = map[string]string{}
	}
	return w.owned[k]
}

// current says whether the plan writes m's record with key value key.
func (w *docWrite) current(m *mapping.Mirror, key string) bool {
	for _, r := range w.recs {
		if r.rec.Name == m.Record && r.rec.Entity == m.Entity && equalFold(r.keyValue, key) {
			return true
		}
	}
	return false
}
