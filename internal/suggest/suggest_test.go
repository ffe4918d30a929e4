package suggest

import "testing"

func TestClosest(t *testing.T) {
	commands := []string{"run", "serve", "dispatch", "sandbox", "check", "validate", "render", "version", "help"}
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"rnu", commands, "run"},           // a swap is one edit
		{"sandbx", commands, "sandbox"},    // a letter missing
		{"VALIDATE", commands, "validate"}, // case does not count
		{"deploy", commands, ""},           // nothing near
		{"run", commands, ""},              // the word itself is no suggestion
		{"skip", []string{"fail", "skip_document", "null"}, "skip_document"},
		{"con", []string{"concurrency", "config"}, ""}, // a prefix of two: no guess
		{"concurrancy", []string{"concurrency", "interval"}, "concurrency"},
		{"new_InvoiceID", []string{"new_InvoiceId", "new_VendorId"}, "new_InvoiceId"},
		{"x", nil, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	if got := DidYouMean("rnu", commands); got != ` (did you mean "run"?)` {
		t.Errorf("DidYouMean = %q", got)
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"abc", "abd", 1}, {"abc", "bac", 1}, {"kitten", "sitting", 3}, {"ünï", "uni", 2},
		{"", "ab", 2}, {"café", "cafe", 1}} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
