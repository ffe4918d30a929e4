package mapping

import (
	"testing"

	"github.com/google/uuid"
)

func TestKeyNamespace(t *testing.T) {
	got := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/numora/numora-connector#record-key")).String()
	if got != KeyNamespace {
		t.Errorf("got namespace %s, want %s", got, KeyNamespace)
	}
}

func TestDocumentKey(t *testing.T) {
	tests := []struct {
		name              string
		doc, entity, item string
		want              string // fixed forever: a change re-creates every row
	}{
		{"header", "doc_golden_key", "new_vendorinvoices", "", "8e704d20-ae3b-5e7c-8326-e2b1b4f34caa"},
		{"line", "doc_golden_key", "new_vendorinvoicelines", "li_1", "e98a5ebf-c199-5206-bc49-c6386d452dca"},
		{"line without id", "doc_golden_key", "new_vendorinvoicelines", "#3", "a9bfc197-3830-5506-b10c-b431da175b57"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DocumentKey(tt.doc, tt.entity, tt.item)
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			name := tt.doc + "\x00" + tt.entity + "\x00" + tt.item
			if lib := uuid.NewSHA1(uuid.MustParse(KeyNamespace), []byte(name)).String(); got != lib {
				t.Errorf("got %s, uuid.NewSHA1 gives %s", got, lib)
			}
		})
	}
}

func TestDocumentKeyLongID(t *testing.T) {
	long := string(make([]byte, 1000))
	got := DocumentKey(long, "e", "i")
	want := uuid.NewSHA1(uuid.MustParse(KeyNamespace), []byte(long+"\x00e\x00i")).String()
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDocumentKeyDistinct(t *testing.T) {
	// The NUL separators keep ("a", "bc") and ("ab", "c") apart.
	if DocumentKey("a", "bc", "") == DocumentKey("ab", "c", "") {
		t.Error("got equal keys for different (document, entity) pairs")
	}
}
