package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is a position in a rules file. Line and Col are 1-based; 0 means
// unknown.
type Pos struct {
	File      string
	Line, Col int
}

// String returns "file:line:col".
func (p Pos) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Problem is one mistake (or, from Rules.Warnings, one doubtful construct)
// in a rules file, at its position.
type Problem struct {
	Pos     Pos
	Message string
}

// String returns "file:line:col: message".
func (p Problem) String() string { return p.Pos.String() + ": " + p.Message }

// LoadError reports every problem found while loading a rules file, in file
// order. Rules with problems are never half-used: Load returns no Rules.
type LoadError struct {
	File     string
	Problems []Problem
}

// Error returns the first problem and how many more there are; print
// Problems one per line for the full list.
func (e *LoadError) Error() string {
	if len(e.Problems) == 0 {
		return "mapping: " + e.File + ": invalid rules"
	}
	msg := "mapping: " + e.Problems[0].String()
	switch n := len(e.Problems) - 1; n {
	case 0:
	case 1:
		msg += " (and 1 more problem)"
	default:
		msg += fmt.Sprintf(" (and %d more problems)", n)
	}
	return msg
}

// SkipError says a document is deliberately not written: a skip_if rule
// matched, a gate with action skip tripped, or a lookup with
// on_missing: skip_document has nothing to look up. Numora is told
// "skipped" with Reason.
type SkipError struct {
	Reason string
}

// Error returns "mapping: skipped: <reason>".
func (e *SkipError) Error() string { return "mapping: skipped: " + e.Reason }

// Stable error codes of render problems, for Numora's delivery callback.
const (
	CodeInvalidValue     = "mapping_invalid_value"     // a value cannot be read as its column's type
	CodeRequiredMissing  = "mapping_required_missing"  // a required value, key or lookup match is empty
	CodeLowConfidence    = "mapping_low_confidence"    // below min_confidence with action fail
	CodeUnconfirmed      = "mapping_unconfirmed"       // require_confirmed and the reviewer did not confirm it
	CodeTooLong          = "mapping_too_long"          // longer than max_length without truncate
	CodeExpressionFailed = "mapping_expression_failed" // an expression failed at run time
	CodeInvalidDocument  = "mapping_invalid_document"  // the result itself is unusable (duplicate line ids)
)

// RenderProblem is one reason a document cannot be mapped.
type RenderProblem struct {
	// Code is one of the Code* constants.
	Code string
	// Record is the record's rule name; ItemID the line item id for
	// for_each records.
	Record, ItemID string
	// Column is the column or navigation property ("" for the document).
	Column string
	// Source is the value's source as written in the rules
	// ("fields.total_amount"), or "".
	Source  string
	Message string
}

// String returns e.g.
// `invoice.new_totalamount (fields.total_amount): cannot read "abc" as a number`.
func (p RenderProblem) String() string {
	var b strings.Builder
	b.WriteString(p.Record)
	if p.ItemID != "" {
		b.WriteString("[" + p.ItemID + "]")
	}
	if p.Column != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.Column)
	}
	switch {
	case p.Source != "" && b.Len() > 0:
		b.WriteString(" (" + p.Source + ")")
	case p.Source != "":
		b.WriteString(p.Source)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// RenderError reports every problem found while mapping one document.
type RenderError struct {
	DocumentID string
	Problems   []RenderProblem
}

// Error joins all problems on one line, for Numora's error_message.
func (e *RenderError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "mapping: " + strings.Join(parts, "; ")
}

// Code returns the error_code for Numora's delivery callback: the code of
// the first problem (problems are in record and column order).
func (e *RenderError) Code() string {
	if len(e.Problems) == 0 {
		return CodeInvalidValue
	}
	return e.Problems[0].Code
}
