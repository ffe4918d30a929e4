package numoratest

import (
	"encoding/json"
	"fmt"

	"github.com/numora/numora-connector/numora"
)

// Correct sets field name of document id's result to value (JSON), as a
// reviewer correcting an extracted value does, and moves the document's
// updated_at. It sends no notification (Review does). Generated documents
// have no stored result to correct.
func (s *Server) Correct(id, name string, value json.RawMessage) error {
	if !json.Valid(value) {
		return fmt.Errorf("numoratest: correct %s.%s: value is not JSON", id, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.byID[id]
	if d == nil || d.result == nil {
		return fmt.Errorf("numoratest: no document %q with a stored result", id)
	}
	res, err := copyResult(d.result) // readers may hold the old one
	if err != nil {
		return err
	}
	if res.Fields == nil {
		res.Fields = map[string]numora.Field{}
	}
	f := res.Fields[name]
	f.Value = append(json.RawMessage(nil), value...)
	res.Fields[name] = f
	d.result, d.updatedAt = res, s.now()
	return nil
}
