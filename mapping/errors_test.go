package mapping

import (
	"errors"
	"fmt"
	"testing"
)

func TestLoadErrorText(t *testing.T) {
	p := func(line int, msg string) Problem {
		return Problem{Pos: Pos{File: "m.yaml", Line: line, Col: 3}, Message: msg}
	}
	tests := []struct {
		name     string
		problems []Problem
		want     string
	}{
		{"none", nil, "mapping: m.yaml: invalid rules"},
		{"one", []Problem{p(4, "bad")}, "mapping: m.yaml:4:3: bad"},
		{"two", []Problem{p(4, "bad"), p(5, "worse")}, "mapping: m.yaml:4:3: bad (and 1 more problem)"},
		{"three", []Problem{p(4, "a"), p(5, "b"), p(6, "c")}, "mapping: m.yaml:4:3: a (and 2 more problems)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", &LoadError{File: "m.yaml", Problems: tt.problems})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatal("errors.As found no *LoadError")
			}
			if got := le.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderErrorText(t *testing.T) {
	tests := []struct {
		name     string
		err      *RenderError
		wantText string
		wantCode string
	}{
		{"empty", &RenderError{}, "mapping: ", CodeInvalidValue},
		{"one", &RenderError{Problems: []RenderProblem{{Code: CodeTooLong, Record: "invoice", Column: "new_name",
			Source: "fields.invoice_number", Message: "too long"}}},
			"mapping: invoice.new_name (fields.invoice_number): too long", CodeTooLong},
		{"item and two", &RenderError{Problems: []RenderProblem{
			{Code: CodeRequiredMissing, Record: "line", ItemID: "li_2", Column: "new_amount", Message: "missing"},
			{Code: CodeInvalidValue, Message: "whole document"}}},
			"mapping: line[li_2].new_amount: missing; whole document", CodeRequiredMissing},
		{"source only", &RenderError{Problems: []RenderProblem{{Code: CodeExpressionFailed, Source: "skip_if \"x\"", Message: "boom"}}},
			"mapping: skip_if \"x\": boom", CodeExpressionFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.wantText {
				t.Errorf("got text %q, want %q", got, tt.wantText)
			}
			if got := tt.err.Code(); got != tt.wantCode {
				t.Errorf("got code %q, want %q", got, tt.wantCode)
			}
		})
	}
}

func TestSkipErrorText(t *testing.T) {
	err := error(&SkipError{Reason: "vendor not found"})
	if got, want := err.Error(), "mapping: skipped: vendor not found"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPosString(t *testing.T) {
	if got, want := (Pos{File: "mappings.yaml", Line: 17, Col: 5}).String(), "mappings.yaml:17:5"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"transform", "type", "from", "max_length", "on_missing", "skip_document", "label"}
	tests := []struct{ word, want string }{
		{"tranform", "transform"},
		{"typ", "type"},
		{"lable", "label"},
		{"max_lenght", "max_length"},
		{"skip", "skip_document"},
		{"frmo", "from"},
		{"completely_else", ""},
		{"type", ""},
		{"ty", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.word, keys); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"EUR", "eur"},
		{"  Crème   Brûlée ", "creme brulee"},
		{"ÜBERWEISUNG", "uberweisung"},
		{"already plain", "already plain"},
		{"tab\tseparated", "tab separated"},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
