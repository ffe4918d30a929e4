package mapping

import (
	"slices"
	"strconv"
	"strings"
)

// srcKind says where a value comes from.
type srcKind uint8

const (
	srcConst    srcKind = iota // {const: …}: converted once at load
	srcField                   // fields.<name>[.<path>|.confidence]
	srcItem                    // item.<name>[.<path>|.confidence] or item.id
	srcDocument                // document.<attribute>
	srcMetadata                // metadata.<path>
	srcExpr                    // {expr: …}
)

// Source roots and document attributes, for parsing and suggestions.
var (
	sourceRoots = []string{"fields", "item", "document", "metadata"}
	docAttrs    = []string{"id", "schema", "status", "external_id", "updated_at", "duplicate_of", "confidence"}
)

// source is a compiled value source.
type source struct {
	kind srcKind
	// text is the source as written, for messages ("fields.total_amount").
	text string
	// name is the field or item key, or the document attribute.
	name string
	// path descends into an object or list value (or metadata).
	path []string
	// confidence selects the value's confidence instead of the value.
	confidence bool
	// itemID selects the line item's id (item.id).
	itemID bool
	prog   *program
}

// gated reports whether values from this source pass confidence and
// confirmation gates: extracted values do, their confidences and ids don't.
func (s *source) gated() bool {
	return (s.kind == srcField || s.kind == srcItem) && !s.confidence && !s.itemID
}

// parseSource compiles a source path. It returns a message ("" when fine).
func parseSource(text string, inItem bool) (source, string) {
	s := source{text: text}
	root, rest, _ := strings.Cut(text, ".")
	parts := strings.Split(rest, ".")
	if rest == "" || slices.Contains(parts, "") {
		parts = nil
	}
	switch root {
	case "fields", "item":
		return parseValuePath(s, root, parts, inItem)
	case "document":
		s.kind = srcDocument
		if len(parts) != 1 || !slices.Contains(docAttrs, parts[0]) {
			attr := strings.TrimPrefix(text, "document.")
			return s, "unknown document attribute " + quote(attr) + didYouMean(attr, docAttrs) +
				"; valid: " + quoteList(docAttrs)
		}
		s.name = parts[0]
	case "metadata":
		s.kind = srcMetadata
		if parts == nil {
			return s, "metadata needs a path, e.g. metadata.customer_id"
		}
		s.path = parts
	default:
		msg := "unknown source " + quote(text) + ": a source path starts with " + quoteList(sourceRoots)
		if hint := suggest(root, sourceRoots); hint != "" {
			return s, msg + ` (did you mean "` + hint + "." + rest + `"?)`
		}
		return s, msg + "; write {const: " + quote(text) + "} for a constant text"
	}
	return s, ""
}

// parseValuePath compiles fields.* and item.* paths.
func parseValuePath(s source, root string, parts []string, inItem bool) (source, string) {
	s.kind = srcField
	if root == "item" {
		s.kind = srcItem
		if !inItem {
			return s, quote(s.text) + ": item.* is only available in records with for_each"
		}
	}
	if parts == nil {
		return s, quote(s.text) + ": missing the field name, e.g. " + root + ".total_amount"
	}
	s.name = parts[0]
	parts = parts[1:]
	switch {
	case root == "item" && s.name == "id" && len(parts) == 0:
		s.itemID = true
	case len(parts) == 1 && parts[0] == "confidence":
		s.confidence = true
	case len(parts) > 0:
		s.path = parts
	}
	return s, ""
}

func quote(s string) string { return strconv.Quote(s) }
