package destinations

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil-free unknown", errors.New("boom"), Transient},
		{"canceled", context.Canceled, Transient},
		{"permanent", &Error{Class: Permanent, Code: "crm_400"}, Permanent},
		{"wrapped skip", fmt.Errorf("doc: %w", &Error{Class: Skip, Code: "lookup_missing"}), Skip},
		{"circuit", &Error{Class: Transient, Code: "crm_circuit_open", Err: ErrCircuitOpen}, Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Class: Transient, Code: "crm_429", Message: "slow down", RetryAfter: time.Second, Err: ErrCircuitOpen}
	if got, want := e.Error(), "destination: crm_429: slow down"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrCircuitOpen) {
		t.Error("Unwrap does not reach the cause")
	}
	for c, want := range map[Class]string{Transient: "transient", Permanent: "permanent", Skip: "skip"} {
		if c.String() != want {
			t.Errorf("%d.String() = %q, want %q", c, c.String(), want)
		}
	}
}
