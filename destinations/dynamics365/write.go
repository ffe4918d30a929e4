package dynamics365

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// recWrite is one plan record on its way to becoming a change-set part.
type recWrite struct {
	index int
	// idBase offsets the record's Content-ID when its change set shares a
	// $batch with others: Content-IDs are unique across the batch.
	idBase int
	rec    *mapping.Record
	info   entityInfo
	// keyPath addresses the row: "<set>(<guid>)" or "<set>(k='v')".
	keyPath string
	// guid is the row's GUID once known.
	guid string
	// bindPath is how other records bind this row while its GUID is
	// unknown: "<set>(k='v')", or "" to use its Content-ID.
	bindPath string
	// exists marks a create-only row that already exists: it is not sent
	// and its outcome is Unchanged.
	exists bool
	// fresh marks a row this delivery creates under a GUID it chose (no
	// key, or an alternate key whose $filter found no row): it is upserted
	// by that GUID, so resending is safe and other records bind
	// "/<set>(<guid>)", never "$n" (a part that asked for a representation
	// has no OData-EntityId for "$n" to stand for; dataverse.md §13).
	fresh bool
	// bodyKeys are alternate-key columns written in the body (a fresh row
	// after a $filter found none); otherwise key columns stay out of the body.
	bodyKeys bool
	// reactivate sets the active state on a row found deactivated
	// (on_removed: deactivate) whose line item is back.
	reactivate bool
	// behaviors are the table's DateTimeBehavior by column, read when the
	// record writes a date-time.
	behaviors map[string]string
	binds     []bindTarget
	outcome   destinations.Outcome
}

// bindTarget is a resolved bind: a lookup's row URL, a reference to another
// record of the plan, or null.
type bindTarget struct {
	nav  string
	url  string // "/accounts(<guid>)" for lookups
	ref  int    // index of a referenced record, or -1
	null bool
}

// docWrite turns one plan into a change set and its answer into a receipt.
type docWrite struct {
	d    *Destination
	plan *mapping.Plan
	recs []*recWrite
	// queries are the GETs a preview shows instead of running them, and
	// the mirror queries a rehearsal ran (read set).
	queries []previewQuery
	// rehearsing is set by Rehearse: the mirror queries it runs are noted
	// in queries for its output.
	rehearsing bool
	// warmed are lookups answered side by side on a cold start.
	warmed map[*mapping.Lookup]warmLookup
	// newID chooses the GUID of record i's fresh row.
	newID func(i int) string
	// removals are the rows of removed line items (plan.Mirror).
	removals []*removal
	// probe is the header sent with If-None-Match: * while it is unknown
	// whether the document was written before (see mirrorprobe.go).
	probe *recWrite
}

// previewQuery is a query Deliver would run before writing.
type previewQuery struct {
	label string
	// read marks a query that was run, its answer already used.
	read bool
	url  string
}

// addQuery records a preview query for entitySet matching cols and returns
// the placeholder standing for its answer.
func (w *docWrite) addQuery(label, entitySet string, cols []mapping.Column) (string, error) {
	filter, err := filterExpr(cols)
	if err != nil {
		return "", err
	}
	info := w.d.cachedEntity(entitySet)
	w.queries = append(w.queries, previewQuery{label: label, url: queryURL(w.d.base, entitySet, info.PrimaryIDAttribute, filter, 2)})
	return fmt.Sprintf("<GUID from query %d>", len(w.queries)), nil
}

// addSelectQuery records a preview query for the rows of entitySet
// matching cols, selecting sel, and returns the placeholder for its GUIDs.
func (w *docWrite) addSelectQuery(label, entitySet, sel string, cols []mapping.Column) (string, error) {
	filter, err := filterExpr(cols)
	if err != nil {
		return "", err
	}
	w.queries = append(w.queries, previewQuery{label: label, url: queryURL(w.d.base, entitySet, sel, filter, 5000)})
	return fmt.Sprintf("<GUID from query %d>", len(w.queries)), nil
}

// prepare resolves everything the change set needs before anything is
// written: table metadata, alternate keys Dataverse cannot take in a URL,
// and lookups. preview makes it use only what needs no request.
func (d *Destination) prepare(ctx context.Context, plan *mapping.Plan, preview bool) (*docWrite, error) {
	if err := checkPlan(plan); err != nil {
		return nil, err
	}
	w := &docWrite{d: d, plan: plan, newID: func(int) string { return d.newRowID() }}
	if preview {
		seed := uuid.NewSHA1(uuid.NameSpaceURL, []byte("numora-connector/preview/"+plan.DocumentID))
		w.newID = func(i int) string { return uuid.NewSHA1(seed, []byte("row/"+strconv.Itoa(i))).String() }
	} else {
		w.warmed = d.warm(ctx, plan)
	}
	for i := range plan.Records {
		r := &recWrite{index: i, rec: &plan.Records[i]}
		if err := w.prepareRecord(ctx, r, preview); err != nil {
			return nil, err
		}
		w.recs = append(w.recs, r)
	}
	if err := w.prepareRemovals(ctx, preview); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *docWrite) prepareRecord(ctx context.Context, r *recWrite, preview bool) error {
	var err error
	if preview {
		r.info = w.d.cachedEntity(r.rec.Entity)
	} else if r.info, err = w.d.entity(ctx, r.rec.Entity); err != nil {
		return err
	}
	if err := w.prepareKey(ctx, r, preview); err != nil {
		return err
	}
	if !preview {
		if err := w.prepareDateTimes(ctx, r); err != nil {
			return err
		}
	}
	for _, b := range r.rec.Binds {
		t, err := w.prepareBind(ctx, r, b, preview)
		if err != nil {
			return err
		}
		r.binds = append(r.binds, t)
	}
	return nil
}

// prepareKey decides how the record's row is addressed.
func (w *docWrite) prepareKey(ctx context.Context, r *recWrite, preview bool) error {
	rec := r.rec
	switch rec.Key.Kind {
	case mapping.KeyIdentity:
		if rec.Key.Document == "" {
			return w.recordError(r, "plan_invalid", "key by identity without a document id")
		}
		r.guid = destinations.IdentityGUID(rec.Key, rec.Entity)
		r.keyPath = rec.Entity + "(" + r.guid + ")"
	case mapping.KeyColumns:
		return w.prepareAlternateKey(ctx, r, preview)
	case mapping.KeyNone, "":
		if rec.Mode == mapping.ModeUpdate {
			return w.recordError(r, "plan_invalid", "an update-only record needs a key")
		}
		w.freshRow(r)
	default:
		return w.recordError(r, "plan_invalid", fmt.Sprintf("unknown key kind %q", rec.Key.Kind))
	}
	return nil
}

// prepareAlternateKey uses the key URL when Dataverse accepts its values
// (and a bind can name it); otherwise it finds the row's GUID with $filter
// (Microsoft's workaround) and addresses the row by GUID, or creates it
// under a GUID of its own when there is none.
func (w *docWrite) prepareAlternateKey(ctx context.Context, r *recWrite, preview bool) error {
	rec := r.rec
	if len(rec.Key.Columns) == 0 {
		return w.recordError(r, "plan_invalid", "alternate key without columns")
	}
	pred, ok, err := keyPredicate(rec.Key.Columns)
	if err != nil {
		return w.recordError(r, "plan_invalid", err.Error())
	}
	raw, bindOK, _ := bindPredicate(rec.Key.Columns)
	if ok && bindOK {
		r.keyPath, r.bindPath = rec.Entity+pred, rec.Entity+raw
		return nil
	}
	if preview {
		ph, err := w.addQuery(recordLabel(rec)+": key values Dataverse refuses in a URL", rec.Entity, rec.Key.Columns)
		r.guid, r.keyPath = ph, rec.Entity+"("+ph+")"
		return err
	}
	ids, reqID, err := w.d.queryIDs(ctx, rec.Entity, rec.Key.Columns)
	if err != nil {
		return err
	}
	switch {
	case len(ids) > 1:
		return w.recordError(r, "crm_duplicate_key", withRequestID(fmt.Sprintf("%d rows match the key %s",
			len(ids), matchText(rec.Key.Columns)), reqID))
	case len(ids) == 1:
		r.guid, r.keyPath = ids[0], rec.Entity+"("+ids[0]+")"
		r.exists = rec.Mode == mapping.ModeCreate
	case rec.Mode == mapping.ModeUpdate:
		return w.recordError(r, "crm_404", withRequestID("no row matches the key "+matchText(rec.Key.Columns), reqID))
	default:
		w.freshRow(r)
		r.bodyKeys = true
	}
	return nil
}

// freshRow addresses a row this delivery creates by a GUID it chooses.
func (w *docWrite) freshRow(r *recWrite) {
	r.guid, r.fresh = w.newID(r.index), true
	r.keyPath = r.rec.Entity + "(" + r.guid + ")"
}

// prepareBind resolves one bind.
func (w *docWrite) prepareBind(ctx context.Context, r *recWrite, b mapping.Bind, preview bool) (bindTarget, error) {
	t := bindTarget{nav: b.NavProperty, ref: -1}
	if b.Clear {
		t.null = true
		return t, nil
	}
	if b.Lookup == nil {
		t.ref = b.Ref
		return t, nil
	}
	if preview {
		ph, err := w.addQuery(fmt.Sprintf("%s: lookup %s for %s (on_missing: %s)", recordLabel(r.rec), destinations.LookupLabel(b.Lookup),
			b.NavProperty, b.Lookup.OnMissing), b.Lookup.Entity, b.Lookup.Match)
		t.url = "/" + b.Lookup.Entity + "(" + ph + ")"
		return t, err
	}
	a, err := w.lookup(ctx, b.Lookup)
	if err != nil {
		return t, err
	}
	if a.id != "" {
		t.url = "/" + b.Lookup.Entity + "(" + a.id + ")"
		return t, nil
	}
	null, err := missingLookup(b.Lookup, a.requestID)
	if err != nil {
		return t, err
	}
	t.null = null
	return t, nil
}

// lookup answers l, from the cold-start answers when warm found it.
func (w *docWrite) lookup(ctx context.Context, l *mapping.Lookup) (lookupAnswer, error) {
	if r, ok := w.warmed[l]; ok {
		return r.answer, r.err
	}
	return w.d.lookup(ctx, l)
}

// checkPlan rejects plans no destination could write.
func checkPlan(plan *mapping.Plan) error {
	if plan == nil || len(plan.Records) == 0 {
		return permanent("plan_invalid", "the plan has no records")
	}
	if err := checkLimits(plan); err != nil {
		return err
	}
	if len(plan.Records) > maxChangeSetOps {
		return permanent("plan_too_large", fmt.Sprintf("%d records exceed Dataverse's %d operations per change set",
			len(plan.Records), maxChangeSetOps))
	}
	for i, rec := range plan.Records {
		if rec.Entity == "" {
			return permanent("plan_invalid", fmt.Sprintf("record %d (%s) has no entity", i, rec.Name))
		}
		for _, b := range rec.Binds {
			if b.Lookup == nil && !b.Clear && (b.Ref < 0 || b.Ref >= i) {
				return permanent("plan_invalid", fmt.Sprintf("record %d (%s): bind %s refers to record %d, which does not come before it",
					i, rec.Name, b.NavProperty, b.Ref))
			}
		}
	}
	return nil
}

// recordError is a permanent error about one record.
func (w *docWrite) recordError(r *recWrite, code, msg string) error {
	return permanent(code, recordLabel(r.rec)+": "+msg)
}

// recordLabel names a record in messages: "invoice (new_vendorinvoices)" or
// "line li_3 (new_vendorinvoicelines)".
func recordLabel(rec *mapping.Record) string { return destinations.RecordLabel(rec) }

// contentID is the record's Content-ID in its change set.
func (r *recWrite) contentID() string { return strconv.Itoa(r.idBase + r.index + 1) }

// setIDBase numbers the records' Content-IDs from base+1, the removals'
// after them.
func (w *docWrite) setIDBase(base int) {
	for _, r := range w.recs {
		r.idBase = base
	}
	for _, rm := range w.removals {
		rm.idBase = base
	}
}

// idBase is the offset of the records' Content-IDs.
func (w *docWrite) idBase() int {
	if len(w.recs) == 0 {
		return 0
	}
	return w.recs[0].idBase
}
