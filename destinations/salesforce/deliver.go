package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// Deliver writes the plan as one Composite request with allOrNone: every
// record or none. Records are upserted by their External ID field
// (PATCH …/{field}/{value}), parents bound with @{ref.id}, lookups
// resolved by external ID inside the request or by SOQL before it, and
// the records of removed line items deleted in the same request. A
// removal whose record vanished meanwhile is dropped and the request sent
// again. While the daily API allocation is under the reserve, or the
// circuit breaker is open, it refuses with a transient error and sends
// nothing. Errors are *destinations.Error values (docs/salesforce.md).
func (d *Destination) Deliver(ctx context.Context, plan *mapping.Plan) (*destinations.Receipt, error) {
	if err := d.admit(); err != nil {
		return nil, err
	}
	w, err := d.prepare(ctx, plan, false, nil)
	if err != nil {
		return nil, err
	}
	for range len(w.removals) + 2 {
		req := w.compose()
		if len(req.CompositeRequest) == 0 {
			return w.receipt()
		}
		res, err := w.send(ctx, req)
		if err == nil {
			if err := w.apply(req, res); err != nil {
				return nil, err
			}
			return w.receipt()
		}
		if w.dropGone(err) {
			continue
		}
		if !w.unownedParent(err) {
			return nil, w.failure(err)
		}
		if w, err = d.prepareWrite(ctx, &docWrite{d: d, plan: plan, askAll: true}); err != nil {
			return nil, err
		}
	}
	return nil, permanent("crm_conflict", "the composite request kept failing on records that vanished; giving up")
}

// admit refuses new work while the breaker is open or the daily API
// allocation is under the reserve.
func (d *Destination) admit() error {
	if err := d.breaker.Allow(); err != nil {
		return err
	}
	return d.usage.reserveError(d.cfg.APIReserve)
}

// compose builds the composite request: writes in plan order, then the
// deletions.
func (w *docWrite) compose() *compositeRequest {
	req := &compositeRequest{AllOrNone: true}
	for _, r := range w.recs {
		if r.unchanged {
			continue
		}
		method, path := w.upsertPath(r)
		req.CompositeRequest = append(req.CompositeRequest, subrequest{Method: method, URL: path, ReferenceID: r.ref(), Body: r.body})
	}
	for _, rm := range w.removals {
		if !rm.gone {
			req.CompositeRequest = append(req.CompositeRequest, subrequest{Method: http.MethodDelete,
				URL: w.d.apiPath("sobjects/" + rm.m.Entity + "/" + rm.id), ReferenceID: rm.ref()})
		}
	}
	return req
}

// send posts req; a failed subrequest is an error (retried when
// transient: the whole request was rolled back).
func (w *docWrite) send(ctx context.Context, req *compositeRequest) (map[string]subresult, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, permanent("plan_invalid", "encoding the composite request: "+err.Error())
	}
	var res map[string]subresult
	_, err = w.d.callChecked(ctx, http.MethodPost, "composite", body, func(resp *response) error {
		var perr error
		if res, perr = parseComposite(resp.body); perr != nil {
			return transient("crm_bad_response", perr.Error())
		}
		if f := firstFailure(req, res); f != nil {
			e := f.api.classify()
			e.Err = f
			return e
		}
		return nil
	})
	return res, err
}

// apply records each subrequest's id and outcome.
func (w *docWrite) apply(req *compositeRequest, res map[string]subresult) error {
	for _, r := range w.recs {
		if r.unchanged {
			continue
		}
		var sr saveResult
		if err := json.Unmarshal(res[r.ref()].Body, &sr); err != nil || sr.ID == "" {
			return transient("crm_bad_response", r.label()+": the composite answer has no record id")
		}
		r.id, r.outcome = sr.ID, destinations.Updated
		if res[r.ref()].Status == http.StatusCreated || (sr.Created != nil && *sr.Created) {
			r.outcome = destinations.Created
		}
	}
	for _, rm := range w.removals {
		if !rm.gone {
			rm.outcome = destinations.Deleted
		}
	}
	return nil
}

// dropGone marks the removal whose DELETE found no record (deleted by
// someone else meanwhile) as gone, so the request can go again.
func (w *docWrite) dropGone(err error) bool {
	var f *subFailure
	if !errors.As(err, &f) || f.api.Status != http.StatusNotFound {
		return false
	}
	for _, rm := range w.removals {
		if rm.ref() == f.ref && !rm.gone {
			rm.gone = true
			return true
		}
	}
	return false
}

// unownedParent says whether err is Salesforce refusing a parent field on
// the update of a record believed new because the mirror query did not
// find it: a record written before the rules had an owner column. The
// document is then prepared again asking which records exist.
func (w *docWrite) unownedParent(err error) bool {
	var f *subFailure
	if w.askAll || !errors.As(err, &f) || f.api.Code() != "INVALID_FIELD_FOR_INSERT_UPDATE" {
		return false
	}
	for _, r := range w.recs {
		if r.ref() == f.ref {
			return r.fromMirror && r.existing == ""
		}
	}
	return false
}

// failure classifies a failed delivery, naming the failing record, and
// turns a failed inline lookup into lookup_missing or lookup_ambiguous.
func (w *docWrite) failure(err error) error {
	var f *subFailure
	if !errors.As(err, &f) {
		return err
	}
	ce := *f.api.classify()
	for _, r := range w.recs {
		if r.ref() != f.ref {
			continue
		}
		ce.Message = r.label() + ": " + ce.Message
		if l := r.inlineFailure(f.api); l != nil {
			ce.Class, ce.Code = destinations.Permanent, "lookup_missing"
			if f.api.Code() == "DUPLICATE_EXTERNAL_ID" {
				ce.Code = "lookup_ambiguous"
			}
			ce.Message = fmt.Sprintf("%s: %s %s in %s: %s", r.label(), destinations.LookupLabel(l), matchText(l.Match), l.Entity, f.api.Message())
		}
	}
	for _, rm := range w.removals {
		if rm.ref() == f.ref {
			ce.Message = "deleting " + rm.label() + ": " + ce.Message
		}
	}
	return &ce
}

// inlineFailure returns the lookup bound by external ID that api's error
// is about, or nil.
func (r *recWrite) inlineFailure(api *APIError) *mapping.Lookup {
	for _, it := range api.Errors {
		for _, fld := range it.Fields {
			if l := r.inline[fld]; l != nil && (it.Code() == "DUPLICATE_EXTERNAL_ID" ||
				strings.HasPrefix(it.Message, "Foreign key external ID")) {
				return l
			}
		}
	}
	return nil
}

// receipt is the result of a successful delivery.
func (w *docWrite) receipt() (*destinations.Receipt, error) {
	rc := &destinations.Receipt{Records: make([]destinations.RecordReceipt, 0, len(w.recs))}
	for _, r := range w.recs {
		rc.Records = append(rc.Records, destinations.RecordReceipt{Name: r.rec.Name, ItemID: r.rec.ItemID,
			Entity: r.rec.Entity, ID: r.id, Outcome: r.outcome})
	}
	for _, rm := range w.removals {
		if rm.outcome != "" {
			rc.Removed = append(rc.Removed, destinations.RecordReceipt{Name: rm.m.Record, Entity: rm.m.Entity,
				ID: rm.id, Outcome: rm.outcome})
		}
	}
	rc.RecordID = w.recs[0].id
	if inst := w.d.tokens.instanceURL(); inst != "" && rc.RecordID != "" {
		rc.URL = inst + "/lightning/r/" + w.recs[0].rec.Entity + "/" + rc.RecordID + "/view"
	}
	return rc, nil
}
