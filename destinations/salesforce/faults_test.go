package salesforce

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/salesforce/salesforcetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
)

func TestFaults(t *testing.T) {
	lockLine := salesforcetest.LockRow
	lockLine.Match = "PATCH /sobjects/Invoice_Line__c"
	tests := []struct {
		name       string
		fault      salesforcetest.Fault
		times      int
		wantCode   string // "" = delivered after retries
		wantClass  destinations.Class
		composites int // composite requests sent
	}{
		{"503 once", withMatch(salesforcetest.Unavailable, "/composite"), 1, "", 0, 2},
		{"row lock in a subrequest once", lockLine, 1, "", 0, 2},
		{"concurrency limit once", withMatch(salesforcetest.ConcurrentLimit, "/composite"), 1, "", 0, 2},
		{"503 persists", withMatch(salesforcetest.Unavailable, "/composite"), 9, "crm_503_server_unavailable", destinations.Transient, 3},
		{"row lock persists", lockLine, 9, "crm_400_unable_to_lock_row", destinations.Transient, 3},
		{"validation", salesforcetest.Fault{Match: "PATCH /sobjects/Invoice_Line__c", Status: 400, Code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
			Message: "Quantity must be positive"}, 1, "crm_400_field_custom_validation_exception", destinations.Permanent, 1},
		{"api disabled", salesforcetest.Fault{Match: "/composite", Status: 403, Code: "API_DISABLED_FOR_ORG",
			Message: "The REST API is not enabled for this Organization."}, 1, "crm_403_api_disabled_for_org", destinations.Permanent, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.Breaker.Failures = -1 })
			e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
			f := tt.fault
			f.Times = tt.times
			e.srv.Inject(f)
			_, err := e.d.Deliver(bg, invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1"))
			if n := countComposites(e.srv); n != tt.composites {
				t.Errorf("%d composite requests, want %d", n, tt.composites)
			}
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(e.srv.Records("Invoice_Line__c")) != 1 {
					t.Error("the line was not written")
				}
				return
			}
			wantError(t, err, tt.wantClass, tt.wantCode)
			if len(e.srv.Records("Invoice__c")) != 0 {
				t.Error("the invoice was written although the document failed (no rollback)")
			}
		})
	}
}

func withMatch(f salesforcetest.Fault, m string) salesforcetest.Fault { f.Match = m; return f }

func TestRefusedValueRollsBackAndNamesTheRecord(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.Insert("Account", map[string]any{"Name": "A", "Tax_Id__c": "DE123"})
	plan := invoicePlan("doc-1", "DE123", mapping.OnMissingFail, "1")
	plan.Records[1].Columns[2] = str("Description__c", strings.Repeat("x", 300))
	de := wantError(t, func() error { _, err := e.d.Deliver(bg, plan); return err }(), destinations.Permanent, "crm_400_string_too_long")
	if !strings.HasPrefix(de.Message, "line 1 (Invoice_Line__c): ") {
		t.Errorf("message = %q", de.Message)
	}
	if len(e.srv.Records("Invoice__c")) != 0 {
		t.Error("the invoice survived the rollback")
	}
}

func TestDailyAllocation(t *testing.T) {
	t.Run("exhausted", func(t *testing.T) {
		e := newEnv(t, nil, salesforcetest.WithAllocation(15000, 15000))
		err := e.d.Check(bg)
		wantError(t, err, destinations.Transient, "crm_403_request_limit_exceeded")
		if n := len(e.srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1 (the daily limit is not retried)", n)
		}
	})
	t.Run("reserve from /limits", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.APIReserve = 500 }, salesforcetest.WithAllocation(14600, 15000))
		if err := e.d.Check(bg); err != nil {
			t.Fatal(err)
		}
		de := wantError(t, func() error { _, err := e.d.Deliver(bg, invoicePlan("d", "X", mapping.OnMissingNull)); return err }(),
			destinations.Transient, "crm_api_reserve")
		if !strings.Contains(de.Message, "14601 of 15000 used, 399 left, under the reserve of 500") {
			t.Errorf("message = %q", de.Message)
		}
		if !errors.Is(de, destinations.ErrReserve) {
			t.Error("the reserve error does not wrap destinations.ErrReserve: the connector would keep taking documents")
		}
		if len(e.srv.Requests()) != 1 {
			t.Error("a refused document made requests")
		}
	})
	t.Run("reserve from the header", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.APIReserve = 500 }, salesforcetest.WithAllocation(14496, 15000))
		plan := invoicePlan("d", "X", mapping.OnMissingNull, "1")
		if _, err := e.d.Deliver(bg, plan); err != nil {
			t.Fatal(err)
		}
		wantError(t, func() error { _, err := e.d.Deliver(bg, plan); return err }(), destinations.Transient, "crm_api_reserve")
	})
	t.Run("reserve disabled", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.APIReserve = -1 }, salesforcetest.WithAllocation(14990, 15000))
		_ = e.d.Check(bg)
		if _, err := e.d.Deliver(bg, invoicePlan("d", "X", mapping.OnMissingNull, "1")); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCircuitBreaker(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Breaker = BreakerConfig{Failures: 2, OpenTimeout: time.Minute} })
	e.srv.Inject(salesforcetest.Fault{Match: "/limits", Status: 503, Code: "SERVER_UNAVAILABLE", Times: 6})
	for range 2 {
		wantError(t, e.d.Check(bg), destinations.Transient, "crm_503_server_unavailable")
	}
	if e.d.BreakerState() != "open" {
		t.Fatalf("breaker %s, want open", e.d.BreakerState())
	}
	before := len(e.srv.Requests())
	de := wantError(t, e.d.Check(bg), destinations.Transient, "crm_circuit_open")
	if _, err := e.d.Deliver(bg, invoicePlan("d", "X", mapping.OnMissingNull)); destinations.Classify(err) != destinations.Transient {
		t.Errorf("Deliver while open = %v", err)
	}
	if len(e.srv.Requests()) != before || de.Err != destinations.ErrCircuitOpen {
		t.Error("requests were sent while the breaker was open")
	}
	e.clock.Advance(time.Minute)
	if err := e.d.Check(bg); err != nil {
		t.Fatalf("half-open probe: %v", err)
	}
	if e.d.BreakerState() != "half-open" {
		t.Errorf("breaker %s after a good read, want half-open (only a write closes it)", e.d.BreakerState())
	}
	if _, err := e.d.Deliver(bg, invoicePlan("d", "X", mapping.OnMissingNull)); err != nil {
		t.Fatalf("half-open write: %v", err)
	}
	if e.d.BreakerState() != "closed" {
		t.Errorf("breaker %s after a good write, want closed", e.d.BreakerState())
	}
}

// Salesforce answering reads while refusing every write is an outage: the
// breaker opens although describe and query calls succeed in between.
func TestCircuitBreakerOpensWhenOnlyWritesFail(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Breaker = BreakerConfig{Failures: 3, OpenTimeout: time.Minute}
		c.Retry = retry.Policy{MaxAttempts: 1}
	})
	e.srv.Insert("Account", map[string]any{"Name": "ACME", "Tax_Id__c": "DE123"})
	e.srv.Inject(salesforcetest.Fault{Match: "POST /composite", Status: 503, Code: "SERVER_UNAVAILABLE", Times: 100})
	for i := range 3 {
		_, err := e.d.Deliver(bg, invoicePlan(fmt.Sprintf("doc-%d", i), "DE123", mapping.OnMissingFail, "1"))
		wantError(t, err, destinations.Transient, "crm_503_server_unavailable")
	}
	if e.d.BreakerState() != "open" {
		t.Fatalf("breaker %s after 3 failed writes, want open", e.d.BreakerState())
	}
}
