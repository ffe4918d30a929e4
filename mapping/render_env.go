package mapping

import (
	"encoding/json"

	"github.com/numora/numora-connector/numora"
)

// env returns the expression environment, building the parts the schema's
// expressions read once per document (and the item part once per item).
func (st *state) env() *exprEnv {
	if !st.envReady {
		st.envReady = true
		st.buildEnv()
	}
	if st.item != nil && st.envItem != st.item && st.schema.uses&useItem != 0 {
		st.envItem = st.item
		st.ev.Item = valueMap(st.item.Fields, len(st.item.Fields)+1)
		st.ev.Item["id"] = st.item.ID
	}
	if st.item == nil {
		st.ev.Item, st.envItem = nil, nil
	}
	return &st.ev
}

// buildEnv fills the document-level parts of the environment.
func (st *state) buildEnv() {
	res, uses := st.res, st.schema.uses
	st.ev.Document = exprDocument{
		ID: res.ID, Schema: res.Schema, Status: string(res.Status),
		ExternalID: strPtr(res.ExternalID), DuplicateOf: strPtr(res.DuplicateOf), Confidence: floatPtr(res.Confidence),
	}
	if !res.UpdatedAt.IsZero() {
		st.ev.Document.UpdatedAt = res.UpdatedAt
	}
	if uses&useFields != 0 {
		st.ev.Fields = valueMap(res.Fields, len(res.Fields))
	}
	if uses&useConfidence != 0 {
		st.ev.Confidence = make(map[string]any, len(res.Fields))
		for k, f := range res.Fields {
			st.ev.Confidence[k] = floatPtr(f.Confidence)
		}
	}
	if uses&useMetadata != 0 {
		m, _ := st.meta().(map[string]any)
		st.ev.Metadata = m
	}
}

// valueMap decodes field values for expressions: numbers as float64.
func valueMap(fields map[string]numora.Field, size int) map[string]any {
	m := make(map[string]any, size)
	for k, f := range fields {
		m[k] = exprValue(decodeJSON(f.Value))
	}
	return m
}

// exprValue turns exact JSON numbers into float64 (recursively), so
// expressions can compute with them.
func exprValue(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = exprValue(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = exprValue(x[k])
		}
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
	}
	return v
}

// meta returns the decoded metadata, once per document.
func (st *state) meta() any {
	if !st.metaReady {
		st.metaReady = true
		if len(st.res.Metadata) > 0 {
			st.metadata = decodeJSON(st.res.Metadata)
		}
	}
	return st.metadata
}

func strPtr(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatPtr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
