package salesforce

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// recWrite is one plan record on its way into the composite request.
type recWrite struct {
	rec  *mapping.Record
	idx  int
	info *objectInfo // nil in a preview without cached metadata
	// keyField and keyValue name the record by External ID; "" for a
	// record with no key (a plain create).
	keyField, keyValue string
	// existing is the id of the record found before writing ("" if none
	// or not looked for); unchanged marks a create-only record that
	// exists, which is not sent.
	existing  string
	unchanged bool
	// fromMirror says existing was taken from the mirror query's rows
	// (this document's records) rather than asked for.
	fromMirror bool
	body       map[string]any
	// inline are the relationship names bound by external ID in body.
	inline  map[string]*mapping.Lookup
	id      string
	outcome destinations.Outcome
}

func (r *recWrite) ref() string { return "r" + strconv.Itoa(r.idx) }

// label names the record in messages: "line 2 (Invoice_Line__c)".
func (r *recWrite) label() string { return destinations.RecordLabel(r.rec) }

// docWrite is one document's delivery being prepared or sent.
type docWrite struct {
	d        *Destination
	plan     *mapping.Plan
	recs     []*recWrite
	removals []*removal
	// preview: no request is made; reads are written to out instead.
	preview bool
	out     io.Writer
	queries int
	// owned are the ids of the records the mirror queries found for this
	// document, by object, key field and lowercased key value; a record
	// of a mirrored object that is not among them is new.
	owned map[string]map[string]string
	// askAll makes findExisting query even mirrored objects: a record
	// written before the rules had an owner column is not in owned.
	askAll bool
}

// prepare turns the plan into records ready to send: metadata, keys,
// existing records where they matter, lookups and the mirror's removals.
func (d *Destination) prepare(ctx context.Context, plan *mapping.Plan, preview bool, out io.Writer) (*docWrite, error) {
	return d.prepareWrite(ctx, &docWrite{d: d, plan: plan, preview: preview, out: out})
}

func (d *Destination) prepareWrite(ctx context.Context, w *docWrite) (*docWrite, error) {
	if w.plan == nil || len(w.plan.Records) == 0 {
		return nil, permanent("plan_invalid", "the plan has no records")
	}
	for i := range w.plan.Records {
		r, err := w.record(ctx, i)
		if err != nil {
			return nil, err
		}
		w.recs = append(w.recs, r)
	}
	if err := w.prepareMirror(ctx); err != nil {
		return nil, err
	}
	if err := w.findExisting(ctx); err != nil {
		return nil, err
	}
	for _, r := range w.recs {
		if err := w.fillBody(ctx, r); err != nil {
			return nil, err
		}
	}
	if n := w.countSent(); n > maxSubrequests {
		return nil, permanent("plan_too_large", fmt.Sprintf("%d writes and removals exceed Composite's %d subrequests per document",
			n, maxSubrequests))
	}
	return w, nil
}

// record reads the metadata and key of plan record i.
func (w *docWrite) record(ctx context.Context, i int) (*recWrite, error) {
	rec := &w.plan.Records[i]
	r := &recWrite{rec: rec, idx: i}
	if !identRE.MatchString(rec.Entity) {
		return nil, permanent("plan_invalid", fmt.Sprintf("record %s: %q is not an sObject name", rec.Name, rec.Entity))
	}
	info, err := w.d.objectInfo(ctx, rec.Entity, w.preview)
	if err != nil {
		return nil, err
	}
	r.info = info
	switch rec.Key.Kind {
	case mapping.KeyIdentity:
		if rec.Key.Document == "" {
			return nil, permanent("plan_key", r.label()+": key by identity without a document id")
		}
		r.keyField, r.keyValue = w.d.cfg.IDField, destinations.IdentityGUID(rec.Key, rec.Entity)
	case mapping.KeyColumns:
		if len(rec.Key.Columns) != 1 {
			return nil, permanent("plan_key", fmt.Sprintf("%s: Salesforce upserts by one External ID field; the key has %d columns",
				r.label(), len(rec.Key.Columns)))
		}
		v, err := keyText(rec.Key.Columns[0].Value)
		if err != nil {
			return nil, permanent("plan_key", fmt.Sprintf("%s: %s: %v", r.label(), rec.Key.Columns[0].Name, err))
		}
		r.keyField, r.keyValue = rec.Key.Columns[0].Name, v
	}
	if r.keyField == "" && rec.Mode != mapping.ModeCreate {
		return nil, permanent("plan_key", r.label()+": a record without a key can only be created")
	}
	return r, nil
}

// objectInfo is describe, or in a preview the cached answer (nil if none).
func (d *Destination) objectInfo(ctx context.Context, object string, preview bool) (*objectInfo, error) {
	if preview {
		return d.objects.get(object), nil
	}
	return d.describe(ctx, object)
}

// findExisting looks up, per object, the records that must be known to
// exist or not: create-only and update-only records, and records binding
// a parent through a field that cannot be updated (a master-detail field
// without reparenting), which an update must leave out.
func (w *docWrite) findExisting(ctx context.Context) error {
	byObject := map[string][]*recWrite{}
	var order []string
	for _, r := range w.recs {
		if r.keyField == "" || !w.needsExisting(r) || w.fromOwned(r) {
			continue
		}
		k := r.rec.Entity + "." + r.keyField
		if byObject[k] == nil {
			order = append(order, k)
		}
		byObject[k] = append(byObject[k], r)
	}
	for _, k := range order {
		if err := w.existingOf(ctx, byObject[k]); err != nil {
			return err
		}
	}
	return nil
}

func (w *docWrite) needsExisting(r *recWrite) bool {
	if r.rec.Mode != mapping.ModeUpsert {
		return true
	}
	for _, b := range r.rec.Binds {
		if f := r.field(b.NavProperty); f != nil && !f.Updateable {
			return true
		}
	}
	return false
}

// fromOwned settles whether an upserted record of a mirrored object
// exists from the mirror query's rows, saving a query; it says whether it
// did.
func (w *docWrite) fromOwned(r *recWrite) bool {
	owned, ok := w.owned[ownedKey(r.rec.Entity, r.keyField)]
	if !ok || w.askAll || r.rec.Mode != mapping.ModeUpsert {
		return false
	}
	r.existing, r.fromMirror = owned[lower(r.keyValue)], true
	return true
}

func ownedKey(entity, keyField string) string { return lower(entity + "." + keyField) }

// field returns the reference field a bind names, or nil.
func (r *recWrite) field(nav string) *fieldInfo {
	if r.info == nil {
		return nil
	}
	return r.info.reference(nav)
}

func (w *docWrite) existingOf(ctx context.Context, recs []*recWrite) error {
	first := recs[0]
	if !identRE.MatchString(first.keyField) {
		return permanent("plan_key", fmt.Sprintf("%s: %q is not a field name", first.label(), first.keyField))
	}
	vals := make([]string, len(recs))
	for i, r := range recs {
		vals[i] = r.keyValue
	}
	soql := "SELECT Id, " + first.keyField + " FROM " + first.rec.Entity + " WHERE " + soqlIn(first.keyField, vals)
	if w.preview {
		w.showQuery(first.rec.Entity+" records that exist already", soql)
		return nil
	}
	rows, err := w.d.query(ctx, soql)
	if err != nil {
		return err
	}
	for _, r := range recs {
		for _, row := range rows {
			if equalFold(stringField(row, first.keyField), r.keyValue) {
				r.existing = stringField(row, "Id")
			}
		}
		if err := r.applyMode(); err != nil {
			return err
		}
	}
	return nil
}

// applyMode settles a create-only record that exists (unchanged) and an
// update-only one that does not (an error).
func (r *recWrite) applyMode() error {
	switch {
	case r.rec.Mode == mapping.ModeCreate && r.existing != "":
		r.unchanged, r.id, r.outcome = true, r.existing, destinations.Unchanged
	case r.rec.Mode == mapping.ModeUpdate && r.existing == "":
		return permanent("crm_404_not_found", fmt.Sprintf("%s: no record with %s %s to update", r.label(),
			r.keyField, soqlString(r.keyValue)))
	}
	return nil
}

// showQuery writes a read a preview would make.
func (w *docWrite) showQuery(what, soql string) string {
	w.queries++
	fmt.Fprintf(w.out, "# query %d: %s\nGET %s\n\n", w.queries, what, w.d.apiPath(queryPath(soql)))
	return fmt.Sprintf("<Id from query %d>", w.queries)
}

// upsertPath is the subrequest URL that writes r.
func (w *docWrite) upsertPath(r *recWrite) (method, path string) {
	if r.keyField == "" {
		return "POST", w.d.apiPath("sobjects/" + r.rec.Entity)
	}
	return "PATCH", w.d.apiPath("sobjects/" + r.rec.Entity + "/" + r.keyField + "/" + url.PathEscape(r.keyValue))
}

func (w *docWrite) countSent() int {
	n := 0
	for _, r := range w.recs {
		if !r.unchanged {
			n++
		}
	}
	for _, rm := range w.removals {
		if !rm.gone {
			n++
		}
	}
	return n
}

func equalFold(a, b string) bool { return a != "" && strings.EqualFold(a, b) }
