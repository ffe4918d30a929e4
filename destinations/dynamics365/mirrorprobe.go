package dynamics365

import (
	"context"
	"net/http"

	"github.com/numora/numora-connector/mapping"
)

// Reading the rows of a document before every write would cost one more
// request per document, and a first delivery has nothing to remove. So
// when the plan has a header record keyed by document (its GUID derives
// from the document id alone and is written in the same change set as
// every earlier delivery's mirrored rows), the first attempt sends the
// change set with If-None-Match: * on that header and no removals. If the
// header did not exist, the document was never written: no row of it can
// be stale, and the one request did everything. If it did, Dataverse
// answers 412 and applies nothing; the rows are then read and the change
// set goes again with the removals, still in one change set with the
// writes.

// pickProbe chooses the header record whose existence tells a first
// delivery from a re-delivery, or nil (the rows are then read at once).
func (w *docWrite) pickProbe() *recWrite {
	for _, r := range w.recs {
		if r.rec.ItemID == "" && r.rec.Key.Kind == mapping.KeyIdentity && r.rec.Mode == mapping.ModeUpsert && !r.fresh && !r.exists {
			return r
		}
	}
	return nil
}

// prepareRemovals plans the mirror's removals: at once, or (probe set)
// only if the first attempt finds the document written before.
func (w *docWrite) prepareRemovals(ctx context.Context, preview bool) error {
	if len(w.plan.Mirror) == 0 {
		return nil
	}
	if !preview && !isMirrorItem(w.plan) {
		if w.probe = w.pickProbe(); w.probe != nil {
			return nil
		}
	}
	return w.prepareMirror(ctx, preview)
}

// isMirrorItem reports whether some mirrored record is the only kind of
// record the plan has, in which case no header can serve as probe.
func isMirrorItem(plan *mapping.Plan) bool {
	for _, r := range plan.Records {
		if r.ItemID == "" {
			return false
		}
	}
	return true
}

// resolveProbe handles the probe's 412: the document was written before,
// so its rows are read and the change set goes again with the removals.
// found is false when err is not that 412.
func (w *docWrite) resolveProbe(ctx context.Context, err error) (found bool, _ error) {
	if w.probe == nil {
		return false, nil
	}
	api, ok := asAPIError(err)
	if !ok || api.StatusCode != http.StatusPreconditionFailed || !existsCode(api.Code) {
		return false, nil
	}
	if api.ContentID != "" && api.ContentID != w.probe.contentID() {
		return false, nil
	}
	// Without a Content-ID the 412 may also be another create-only row's:
	// reading the rows is right either way, and such a conflict comes back
	// on the next attempt, where resolveCreateConflict meets it.
	w.probe = nil
	return true, w.prepareMirror(ctx, false)
}
