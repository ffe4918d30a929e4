package numoratest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/numora/numora-connector/numora"
)

// Fixture is a hand-made document: its result (id, schema, status,
// review_state, confidence, fields, line_items, duplicate_of, external_id,
// metadata, updated_at) plus created_at. In JSON it is the result body with
// those extra keys. Status defaults to reviewed; times default to the
// server clock's now. A document in status processing or failed has no
// result to read.
type Fixture struct {
	numora.Result
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// statuses are the documented document statuses.
var statuses = []numora.Status{numora.StatusProcessing, numora.StatusReviewRequired, numora.StatusReviewed,
	numora.StatusPushPending, numora.StatusPushSucceeded, numora.StatusPushFailed, numora.StatusFailed}

// AddDocument adds a hand-made document. It fails for a missing or
// duplicate id, a missing schema or an unknown status.
func (s *Server) AddDocument(f Fixture) error {
	if f.ID == "" || f.Schema == "" {
		return errors.New("numoratest: a fixture needs an id and a schema")
	}
	if f.Status == "" {
		f.Status = numora.StatusReviewed
	}
	if !slices.Contains(statuses, f.Status) {
		return fmt.Errorf("numoratest: fixture %s: unknown status %q", f.ID, f.Status)
	}
	res, err := copyResult(&f.Result) // the caller keeps its maps
	if err != nil {
		return fmt.Errorf("numoratest: fixture %s: %w", f.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byID[f.ID] != nil {
		return fmt.Errorf("numoratest: document %s already exists", f.ID)
	}
	d := &doc{id: f.ID, schema: f.Schema, status: f.Status, externalID: f.ExternalID, metadata: res.Metadata,
		createdAt: f.CreatedAt.UTC(), updatedAt: f.UpdatedAt.UTC(), duplicateOf: f.DuplicateOf, result: res}
	if d.createdAt.IsZero() {
		d.createdAt = s.now()
	}
	if d.updatedAt.IsZero() {
		d.updatedAt = d.createdAt
	}
	if d.status == numora.StatusPushPending {
		d.pending = &pendingDispatch{at: s.now().Add(s.dispatchD), outcome: s.dispatchO}
	}
	s.insert(d)
	return nil
}

// LoadFixtures adds the documents of a JSON file holding an array of
// fixtures (see testdata/numora/documents.json), stopping at the first
// error.
func (s *Server) LoadFixtures(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("numoratest: %w", err)
	}
	var fs []Fixture
	if err := json.Unmarshal(data, &fs); err != nil {
		return fmt.Errorf("numoratest: %s: %w", path, err)
	}
	for i, f := range fs {
		if err := s.AddDocument(f); err != nil {
			return fmt.Errorf("numoratest: %s: fixture %d: %w", path, i, err)
		}
	}
	return nil
}

// copyResult deep-copies r through JSON.
func copyResult(r *numora.Result) (*numora.Result, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	var out numora.Result
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	if out.LineItems == nil {
		out.LineItems = []numora.LineItem{}
	}
	return &out, nil
}
