package destinations

import (
	"testing"

	"github.com/google/uuid"

	"github.com/numora/numora-connector/mapping"
)

func TestIdentityNamespace(t *testing.T) {
	got := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/numora/numora-connector#record-key")).String()
	if got != IdentityNamespace {
		t.Errorf("got namespace %s, want %s", got, IdentityNamespace)
	}
}

func TestIdentityGUIDValues(t *testing.T) {
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
			got := identityGUID(tt.doc, tt.entity, tt.item)
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			name := tt.doc + "\x00" + tt.entity + "\x00" + tt.item
			if lib := uuid.NewSHA1(uuid.MustParse(IdentityNamespace), []byte(name)).String(); got != lib {
				t.Errorf("got %s, uuid.NewSHA1 gives %s", got, lib)
			}
		})
	}
}

func TestIdentityGUIDLongID(t *testing.T) {
	long := string(make([]byte, 1000))
	got := identityGUID(long, "e", "i")
	want := uuid.NewSHA1(uuid.MustParse(IdentityNamespace), []byte(long+"\x00e\x00i")).String()
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestIdentityGUIDDistinct(t *testing.T) {
	// The NUL separators keep ("a", "bc") and ("ab", "c") apart.
	if identityGUID("a", "bc", "") == identityGUID("ab", "c", "") {
		t.Error("got equal keys for different (document, entity) pairs")
	}
}

func TestIdentityGUIDOfAKey(t *testing.T) {
	k := mapping.Key{Kind: mapping.KeyIdentity, Document: "doc_golden_key", Item: "li_1"}
	if got := IdentityGUID(k, "new_vendorinvoicelines"); got != "e98a5ebf-c199-5206-bc49-c6386d452dca" {
		t.Errorf("got %s", got)
	}
}
