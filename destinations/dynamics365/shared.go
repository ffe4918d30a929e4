package dynamics365

import (
	"context"
	"errors"
	"net/http"
	"slices"
)

// errUnanswered finishes a change set a shared $batch's response did not
// answer: the server stopped before it, so nothing of it was applied and
// submit sends it again.
var errUnanswered = errors.New("dynamics365: the $batch response stopped before this change set")

// maxUnansweredResends bounds how often one change set is resent because a
// shared $batch stopped before it. Each such response answers at least the
// change set that failed, so a well-behaved server needs at most
// MaxBatchDocuments-1 rounds.
const maxUnansweredResends = MaxBatchDocuments

// sendShared posts several documents' change sets in one $batch with
// Prefer: odata.continue-on-error, so that one document's failure rolls
// back its own change set only, and gives each its answers.
func (d *Destination) sendShared(ctx context.Context, group []*pendingSet, slot *ticket) {
	b := &batch{boundary: "batch_" + d.newBoundary()}
	idempotent := true
	for _, p := range group {
		b.changeSets = append(b.changeSets, p.cs)
		idempotent = idempotent && p.idempotent
	}
	var items [][]partResponse
	req := &request{method: http.MethodPost, url: d.base + "$batch", body: b.encode(), idempotent: idempotent, slot: slot,
		header: http.Header{"Content-Type": {b.contentType()}, "Prefer": {"odata.continue-on-error"}}}
	req.check = func(resp *response) error {
		var err error
		items, err = d.readBatchItems(req, resp)
		return err
	}
	resp, err := d.call(ctx, req)
	if err != nil {
		for _, p := range group {
			p.finish(nil, "", err)
		}
		return
	}
	d.distribute(group, items, resp.requestID())
}

// distribute finishes each member with its own answers, or with the error
// of its failed operation. The response's top-level items answer the
// change sets in order (OData 4.0, "Batch Requests"): a change set that
// succeeded is a nested part per operation, one that failed is a single
// application/http part that need not carry a Content-ID (dataverse.md
// §13). Items are therefore matched by position; Content-IDs, where
// present, must belong to the change set. Members after the last item got
// no answer (the server stopped at a failed change set despite
// continue-on-error) and are finished with errUnanswered, to be resent.
func (d *Destination) distribute(group []*pendingSet, items [][]partResponse, reqID string) {
	for i, p := range group {
		if i >= len(items) {
			p.finish(nil, reqID, errUnanswered)
			continue
		}
		mine := items[i]
		if len(mine) == 0 || !belongs(p.cs, mine) {
			p.finish(nil, "", &APIError{StatusCode: http.StatusBadGateway, Code: "crm_bad_response",
				Message: "the $batch response does not answer this document's change set in order", RequestID: reqID})
			continue
		}
		p.finish(mine, reqID, d.firstFailure(&batch{changeSets: []changeSet{p.cs}}, mine, reqID))
	}
}

// belongs reports whether every Content-ID among answers is one of cs's.
func belongs(cs changeSet, answers []partResponse) bool {
	for _, a := range answers {
		if a.contentID != "" && !slices.ContainsFunc(cs.parts, func(p part) bool { return p.contentID == a.contentID }) {
			return false
		}
	}
	return true
}
