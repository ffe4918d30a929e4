package mapping

import "testing"

func TestParseOCRNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		sep  byte
		prec int
		want string // "" = invalid
	}{
		{"german thousands", "1.234,56", 0, 4, "1234.56"},
		{"english thousands", "1,234.56", 0, 4, "1234.56"},
		{"space thousands and euro", "1 234,56 €", 0, 4, "1234.56"},
		{"no-break space", "1\u00a0234,56", 0, 4, "1234.56"},
		{"narrow no-break space", "1\u202f234,56", 0, 4, "1234.56"},
		{"swiss apostrophe", "CHF 1'234.50", 0, 4, "1234.5"},
		{"parentheses negative", "(12.50)", 0, 4, "-12.5"},
		{"leading minus comma", "-12,5", 0, 4, "-12.5"},
		{"trailing minus", "12.50-", 0, 4, "-12.5"},
		{"minus after currency", "€-12.50", 0, 4, "-12.5"},
		{"unicode minus", "\u221212.5", 0, 4, "-12.5"},
		{"plain integer", "1234", 0, 4, "1234"},
		{"plus sign", "+7", 0, 4, "7"},
		{"ambiguous thousands comma", "1,234", 0, 4, "1234"},
		{"ambiguous thousands dot", "12.500", 0, 4, "12500"},
		{"leading zero is decimal", "0,125", 0, 4, "0.125"},
		{"two decimals is decimal", "12,50", 0, 4, "12.5"},
		{"four digits after is decimal", "1,2345", 0, 4, "1.2345"},
		{"repeated dot is grouping", "1.234.567", 0, 4, "1234567"},
		{"bare fraction", ".5", 0, 4, "0.5"},
		{"trailing separator", "12.", 0, 4, "12"},
		{"dollar code", "USD 1,234,567.891", 0, 4, "1234567.891"},
		{"lower-case currency word", "12,80 eur", 0, 4, "12.8"},
		{"kroner", "kr 12,50", 0, 4, "12.5"},
		{"zero", "-0,00", 0, 4, "0"},
		{"round half up", "0.00005", 0, 4, "0.0001"},
		{"round half up negative", "-0.00005", 0, 4, "-0.0001"},
		{"round down", "0.00004", 0, 4, "0"},
		{"round carry", "9.99995", 0, 4, "10"},
		{"precision 2", "1,005", 0, 2, "1005"},
		{"explicit comma", "1.234", ',', 4, "1234"},
		{"explicit comma decimal", "1,5", ',', 4, "1.5"},
		{"explicit dot", "1.234", '.', 4, "1.234"},
		{"explicit dot groups", "1,234,567", '.', 4, "1234567"},
		{"explicit comma with dot groups", "1.234.567,89", ',', 4, "1234567.89"},
		{"letters inside", "12abc", 0, 4, ""},
		{"unknown word", "12 apples", 0, 4, ""},
		{"bad groups", "1.23.4", 0, 4, ""},
		{"bad groups commas", "1,2,3", 0, 4, ""},
		{"double minus", "--5", 0, 4, ""},
		{"parentheses and minus", "(-5)", 0, 4, ""},
		{"two separators in a row", "1.,5", 0, 4, ""},
		{"separator only", ",", 0, 4, ""},
		{"empty", "", 0, 4, ""},
		{"explicit dot twice", "1.2.3", '.', 4, ""},
		{"explicit comma then dot", "1,5.3", ',', 4, ""},
		{"mixed group kinds", "1.234 567,5", 0, 4, ""},
		{"too large", "1234567890123456789012345678901", 0, 4, ""},
		{"exponent is not OCR", "1e5", 0, 4, ""},
		{"first group too long", "1234.567,5", 0, 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := parseOCRNumber(tt.in, tt.sep)
			got := ""
			if ok {
				got, ok = d.text(tt.prec)
				if !ok {
					got = ""
				}
			}
			if got != tt.want {
				t.Errorf("parseOCRNumber(%q, %q) = %q, want %q", tt.in, tt.sep, got, tt.want)
			}
		})
	}
}

func TestParseJSONNumber(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"integer", "1190", "1190"},
		{"trailing zero", "1190.0", "1190"},
		{"fraction", "0.1", "0.1"},
		{"negative", "-12.5", "-12.5"},
		{"exponent", "1e3", "1000"},
		{"negative exponent", "1.5e-7", "0.00000015"},
		{"upper exponent", "2.5E+2", "250"},
		{"float noise rounds at the precision", "0.30000000000000004", "0.3"},
		{"huge exponent", "1e999", ""},
		{"not a number", "abc", ""},
		{"empty exponent", "1e", ""},
		{"missing integer", ".5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if d, ok := parseJSONNumber(tt.in); ok {
				got, _ = d.text(10)
			}
			if got != tt.want {
				t.Errorf("parseJSONNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in   string
		prec int
		want bool
	}{
		{"1190", 4, true},
		{"12.5", 4, true},
		{"-0.25", 4, true},
		{"12.50", 4, false},
		{"0.12345", 4, false},
		{"007", 4, false},
		{"-0", 4, false},
		{"1e3", 4, false},
		{"12.", 4, false},
	}
	for _, tt := range tests {
		if got := canonical(tt.in, tt.prec); got != tt.want {
			t.Errorf("canonical(%q, %d) = %v, want %v", tt.in, tt.prec, got, tt.want)
		}
	}
}
