package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzNotification feeds arbitrary signature headers and bodies, as an
// attacker on the public endpoint would: Verify and the parsers never
// panic; every refusal is a typed error that shows no secret; a header
// not made with the secret never verifies; the body, signed properly,
// always verifies; and a parsed notification always names a document
// (executor) or a type (event).
func FuzzNotification(f *testing.F) {
	f.Add("t=1774321200,v1=00ff", []byte(`{"document_id":"doc_1"}`))
	f.Add("", []byte(`{"id":"evt_1","type":"document.reviewed","data":{"document_id":"doc_1"}}`))
	f.Add("t=2026-03-24T03:00:00.000Z,v1=zz,v1=", []byte(`{"data":{"document_id":7}}`))
	f.Add("v1=,t=,,=", []byte(` [1] `))
	v, err := NewVerifier(Config{Secrets: [][]byte{secret, old}, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := v.Verify(header, body)
		var we *Error
		switch {
		case err == nil:
			t.Fatalf("Verify(%q) accepted a header not made with the secret", header)
		case !errors.As(err, &we):
			t.Fatalf("Verify = %v, want a *webhook.Error", err)
		case strings.Contains(err.Error(), string(secret)) || strings.Contains(err.Error(), string(old)):
			t.Fatalf("error %q shows a secret", err)
		}
		if err := v.Verify(Sign(Scheme{}, old, unix(now), body), body); err != nil {
			t.Fatalf("a properly signed body refused: %v", err)
		}
		var be *BodyError
		if n, err := ParseExecutor(body); err == nil && n.DocumentID == "" {
			t.Fatal("ParseExecutor accepted a body without a document id")
		} else if err != nil && !errors.As(err, &be) {
			t.Fatalf("ParseExecutor = %v, want a *webhook.BodyError", err)
		}
		if n, err := ParseEvent(body); err == nil && n.Type == "" {
			t.Fatal("ParseEvent accepted an event without a type")
		} else if err != nil && !errors.As(err, &be) {
			t.Fatalf("ParseEvent = %v, want a *webhook.BodyError", err)
		}
	})
}
