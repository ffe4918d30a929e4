package dynamics365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// codeDuplicateRecord is Dataverse's DuplicateRecord error code.
const codeDuplicateRecord = "0x80040237"

// resolveCreateConflict handles the 412 Dataverse answers when a
// create-only record's row already exists (which rolls back the whole change
// set): it marks that record as existing, learning its GUID, so the change
// set can be sent again without it. found is false when err is not such a
// conflict. When the failing operation cannot be told from the response,
// or the code is DuplicateRecord (which also means a real duplicate), each
// candidate create-only record is probed with a GET.
func (w *docWrite) resolveCreateConflict(ctx context.Context, err error) (found bool, _ error) {
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusPreconditionFailed || !existsCode(api.Code) {
		return false, nil
	}
	var cands []*recWrite
	for _, r := range w.recs {
		if r.rec.Mode == mapping.ModeCreate && !r.fresh && !r.exists &&
			(api.ContentID == "" || api.ContentID == r.contentID()) {
			cands = append(cands, r)
		}
	}
	if api.ContentID != "" && len(cands) == 1 && cands[0].guid != "" && documentedExistsCode(api.Code) {
		cands[0].exists = true
		return true, nil
	}
	for _, r := range cands {
		id, err := w.d.existingID(ctx, r)
		if err != nil {
			return false, err
		}
		if id != "" {
			r.guid, r.exists, found = id, true, true
		}
	}
	return found, nil
}

// existingID returns the GUID of the row r's key addresses, or "" when
// there is none.
func (d *Destination) existingID(ctx context.Context, r *recWrite) (string, error) {
	req := &request{method: http.MethodGet, url: d.base + r.keyPath + "?$select=" + r.info.PrimaryIDAttribute, idempotent: true}
	req.check = func(resp *response) error {
		if resp.status == http.StatusNotFound {
			return nil
		}
		return d.checkResponse(req, resp)
	}
	resp, err := d.call(ctx, req)
	if err != nil || resp.status == http.StatusNotFound {
		return "", err
	}
	var row map[string]any
	if err := json.Unmarshal(resp.body, &row); err != nil {
		return "", fmt.Errorf("dynamics365: decoding %s%s: %w", redactURL(req.url), requestIDSuffix(resp.requestID()), err)
	}
	id, _ := row[r.info.PrimaryIDAttribute].(string)
	return id, nil
}

// documentedExistsCode reports whether a 412's code is the one Microsoft
// documents for If-None-Match on an existing row ("", or "0x0"): only then
// is the row taken to exist without reading it. DuplicateRecord is also a
// unique-constraint or duplicate-detection failure, so a row answered with
// it is read first (dataverse.md §13).
func documentedExistsCode(code string) bool {
	return code == "" || code == "0x0"
}

// existsCode reports whether a 412's Dataverse code is the one If-None-Match
// gives for an existing row: "" in Microsoft's documentation (or "0x0"), or
// DuplicateRecord 0x80040237, which third-party code reports for the same
// case. A duplicate alternate key (0x80060892) or any other code is a
// failure with that code, never "already delivered" (dataverse.md §13).
func existsCode(code string) bool {
	switch strings.ToLower(code) {
	case "", "0x0", codeDuplicateRecord:
		return true
	}
	return false
}
