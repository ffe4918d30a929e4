package dynamics365

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/retry"
	"github.com/numora/numora-connector/secret"
)

// emu starts the Dataverse emulator sharing clock (so Retry-After waits
// slide its service-protection windows) and returns a destination that
// authenticates with a client secret through MSAL against the emulator's
// TLS token service.
func emu(t testing.TB, opts []dataversetest.Option, mods ...func(*Config)) (*Destination, *dataversetest.Server, *retry.FakeClock) {
	t.Helper()
	clock := retry.NewFakeClock(time.Now())
	opts = append([]dataversetest.Option{dataversetest.WithCleanup(t), dataversetest.WithClock(clock.Now)}, opts...)
	s := dataversetest.NewServer(opts...)
	cfg := Config{
		OrgURL: s.URL, Auth: AuthClientSecret, TenantID: s.TenantID, ClientID: s.ClientID,
		ClientSecret: secret.New(s.ClientSecret), AuthorityHost: s.AuthorityHost, RootCAs: s.CertPool(),
		Clock: clock,
		Retry: retry.Policy{MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 8 * time.Second, MaxTotalWait: 5 * time.Minute},
	}
	d := newTestDestination(t, cfg, mods)
	return d, s, clock
}

// seedVendor adds the account the invoice plans look up.
func seedVendor(s *dataversetest.Server) string {
	return s.Seed("accounts", map[string]any{"name": "Vendor GmbH", "accountnumber": "DE123456789"})
}

func TestEmulatorTokenAcquiredOnceAndReused(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	ctx := context.Background()
	if err := d.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Deliver(ctx, invoicePlan(mapping.ModeUpsert, "INV-"+string(rune('A'+i)), mapping.OnMissingFail)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := s.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for 11 operations, want 1", n)
	}
	if n := s.Count("new_vendorinvoices"); n != 10 {
		t.Errorf("%d invoices, want 10", n)
	}
}

func TestEmulatorClientCertificate(t *testing.T) {
	d0, s, _ := emu(t, nil)
	d0.Close()
	pemBytes, err := s.NewClientCertificate()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := New(context.Background(), Config{OrgURL: s.URL, Auth: AuthClientCertificate, TenantID: s.TenantID,
		ClientID: s.ClientID, CertificatePath: path, AuthorityHost: s.AuthorityHost, RootCAs: s.CertPool(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Check(context.Background()); err != nil {
		t.Errorf("Check with a client certificate: %v", err)
	}
}

func TestEmulatorCheckNamesTheFailingStep(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"wrong secret", func(c *Config) { c.ClientSecret = secret.New("wrong-secret") }, "Entra ID refused the sign-in (AADSTS7000215)"},
		{"unknown client", func(c *Config) { c.ClientID = "11111111-0000-4000-8000-000000000000" }, "Entra ID refused the sign-in (AADSTS700016)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, _ := emu(t, nil, tt.mod)
			err := d.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check: %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "wrong-secret") {
				t.Errorf("error shows the secret: %v", err)
			}
			var af *azidentity.AuthenticationFailedError
			if !errors.As(err, &af) || destinations.Classify(err) != destinations.Permanent {
				t.Errorf("want a permanent error wrapping AuthenticationFailedError, got %v", err)
			}
		})
	}
}

func TestEmulatorExpiredTokenRefreshedOnce(t *testing.T) {
	d, s, _ := emu(t, nil)
	ctx := context.Background()
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if err := d.Check(ctx); err != nil {
		t.Fatalf("Check after the server expired the token: %v", err)
	}
	if n, u := s.TokenRequests(), s.Stats().Unauthorized; n != 2 || u != 1 {
		t.Errorf("got %d token requests and %d 401s, want 2 and 1 (MSAL's cache bypassed once)", n, u)
	}
	for range 5 {
		if err := d.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.TokenRequests(); n != 2 {
		t.Errorf("%d token requests, want the refreshed token reused", n)
	}
}

func TestEmulatorDeliverIsIdempotent(t *testing.T) {
	d, s, _ := emu(t, nil)
	vendor := seedVendor(s)
	ctx := context.Background()
	plan := invoicePlan(mapping.ModeUpsert, "INV-2026-00042", mapping.OnMissingFail)
	first, err := d.Deliver(ctx, plan)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	second, err := d.Deliver(ctx, plan)
	if err != nil {
		t.Fatalf("Deliver again: %v", err)
	}
	for i, want := range []destinations.Outcome{destinations.Created, destinations.Created, destinations.Created} {
		if first.Records[i].Outcome != want || second.Records[i].Outcome != destinations.Updated {
			t.Errorf("record %d: outcomes %s then %s, want %s then updated", i, first.Records[i].Outcome, second.Records[i].Outcome, want)
		}
		if first.Records[i].ID != second.Records[i].ID {
			t.Errorf("record %d: ids %s then %s, want the same row", i, first.Records[i].ID, second.Records[i].ID)
		}
	}
	invoices, lines := s.Rows("new_vendorinvoices"), s.Rows("new_vendorinvoicelines")
	if len(invoices) != 1 || len(lines) != 2 {
		t.Fatalf("got %d invoices and %d lines, want 1 and 2", len(invoices), len(lines))
	}
	inv := invoices[0]
	if inv["new_vendorinvoiceid"] != first.RecordID || inv["new_vendorid"] != vendor || inv["new_invoicenumber"] != "INV-2026-00042" {
		t.Errorf("invoice row %v", inv)
	}
	if lines[0]["new_invoiceid"] != first.RecordID || lines[0]["new_vendorinvoicelineid"] != line1ID {
		t.Errorf("line row %v", lines[0])
	}
	if want := s.URL + "/main.aspx?etn=new_vendorinvoice&id=" + first.RecordID + "&pagetype=entityrecord"; first.URL != want {
		t.Errorf("URL %s, want %s", first.URL, want)
	}
}

func TestEmulatorAlternateKeyEscaping(t *testing.T) {
	keys := []string{"INV#7", "O'Brien-1", "''", "Ünïcødé € 42", "a b,c=d(1)$@#;", "A/B&C", "50% off", "x:y", `back\slash`, "q?+*<>"}
	d, s, _ := emu(t, nil)
	seedVendor(s)
	ctx := context.Background()
	for _, k := range keys {
		for round := range 2 {
			if _, err := d.Deliver(ctx, invoicePlan(mapping.ModeUpsert, k, mapping.OnMissingFail)); err != nil {
				t.Fatalf("key %q round %d: %v", k, round, err)
			}
		}
	}
	got := map[string]int{}
	for _, r := range s.Rows("new_vendorinvoices") {
		got[r["new_invoicenumber"].(string)]++
	}
	for _, k := range keys {
		if got[k] != 1 {
			t.Errorf("key %q: %d rows, want exactly 1 (stored keys: %v)", k, got[k], got)
		}
	}
	if len(got) != len(keys) {
		t.Errorf("%d distinct keys stored, want %d", len(got), len(keys))
	}
}

func TestEmulatorCreateOnlyExistingRowIsDelivered(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	ctx := context.Background()
	if _, err := d.Deliver(ctx, invoicePlan(mapping.ModeCreate, "INV-7", mapping.OnMissingFail)); err != nil {
		t.Fatal(err)
	}
	changed := invoicePlan(mapping.ModeCreate, "INV-7", mapping.OnMissingFail)
	changed.Records[0].Columns[0] = str("new_name", "must not overwrite")
	rc, err := d.Deliver(ctx, changed)
	if err != nil {
		t.Fatalf("re-delivery of a create-only record: %v", err)
	}
	if rc.Records[0].Outcome != destinations.Unchanged || rc.RecordID == "" {
		t.Errorf("receipt %+v, want the invoice unchanged with its id", rc)
	}
	inv := s.Rows("new_vendorinvoices")
	if len(inv) != 1 || inv[0]["new_name"] != "Invoice INV-7" || inv[0]["new_vendorinvoiceid"] != rc.RecordID {
		t.Errorf("invoices %v, want the original row untouched", inv)
	}
	var conflicts int
	for _, r := range s.Requests() {
		if r.InBatch && r.Status == 412 {
			conflicts++
		}
	}
	if conflicts != 1 {
		t.Errorf("%d 412 answers, want 1", conflicts)
	}
}

func TestEmulatorFailedLineRollsBackChangeSet(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	plan := invoicePlan(mapping.ModeUpsert, "INV-9", mapping.OnMissingFail)
	plan.Records[2].Columns[0] = str("new_name", strings.Repeat("x", 201))
	_, err := d.Deliver(context.Background(), plan)
	var de *destinations.Error
	if !errors.As(err, &de) || de.Class != destinations.Permanent || de.Code != "crm_400_0x80044331" {
		t.Fatalf("got %v, want permanent crm_400_0x80044331", err)
	}
	if !strings.HasPrefix(de.Message, "line li_2 (new_vendorinvoicelines): ") || !strings.Contains(de.Message, "'200'") {
		t.Errorf("message %q should name the line and Dataverse's reason", de.Message)
	}
	var api *APIError
	if !errors.As(err, &api) || api.RequestID == "" || !strings.HasSuffix(de.Message, "(request id "+api.RequestID+")") {
		t.Errorf("message %q should end with the emulator's request id", de.Message)
	}
	if n, m := s.Count("new_vendorinvoices"), s.Count("new_vendorinvoicelines"); n+m != 0 {
		t.Errorf("%d invoices and %d lines written, want none (atomic change set)", n, m)
	}
}

func TestEmulatorLookups(t *testing.T) {
	tests := []struct {
		name      string
		accounts  int
		onMissing mapping.OnMissing
		wantCode  string
	}{
		{"none skip", 0, mapping.OnMissingSkip, "lookup_missing"},
		{"none fail", 0, mapping.OnMissingFail, "lookup_missing"},
		{"none null", 0, mapping.OnMissingNull, ""},
		{"one", 1, mapping.OnMissingFail, ""},
		{"two", 2, mapping.OnMissingFail, "lookup_ambiguous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, s, _ := emu(t, nil)
			var ids []string
			for range tt.accounts {
				ids = append(ids, seedVendor(s))
			}
			_, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-1", tt.onMissing))
			if codeOf(err) != tt.wantCode {
				t.Fatalf("got %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode == "lookup_ambiguous" && !strings.Contains(err.Error(), ids[1]) {
				t.Errorf("error %v does not name the matches", err)
			}
			inv := s.Rows("new_vendorinvoices")
			if tt.wantCode != "" {
				if len(inv) != 0 {
					t.Errorf("rows written despite %s", tt.wantCode)
				}
				return
			}
			want := any(nil)
			if tt.accounts == 1 {
				want = ids[0]
			}
			if len(inv) != 1 || inv[0]["new_vendorid"] != want {
				t.Errorf("invoice %v, want new_vendorid %v", inv, want)
			}
		})
	}
}

func TestEmulatorLookupRunsOncePerQuery(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-L"+string(rune('0'+i)), mapping.OnMissingFail)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var lookups int
	for _, r := range s.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "accounts") {
			lookups++
		}
	}
	if lookups != 1 {
		t.Errorf("%d lookup queries for 8 deliveries, want 1", lookups)
	}
}

// TestEmulatorServiceProtection429: a destination that budgets more than
// the server allows, and is not told what is left (no x-ms-ratelimit-*
// headers), is refused and waits out the Retry-After.
func TestEmulatorServiceProtection429(t *testing.T) {
	d, s, clock := emu(t, []dataversetest.Option{dataversetest.WithLimits(dataversetest.Limits{Requests: 6, Window: 300 * time.Second}),
		dataversetest.WithoutBudgetHeaders()})
	seedVendor(s)
	ctx := context.Background()
	for i := range 4 {
		if _, err := d.Deliver(ctx, invoicePlan(mapping.ModeUpsert, "INV-T"+string(rune('0'+i)), mapping.OnMissingFail)); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	throttled := s.Stats().Throttled["0x80072322"]
	if throttled == 0 {
		t.Fatalf("no 429 seen; the test did not exercise throttling")
	}
	var waits []time.Duration
	for _, w := range clock.Sleeps() {
		if w >= time.Minute {
			waits = append(waits, w)
		}
	}
	if len(waits) == 0 {
		t.Errorf("sleeps %v: want a wait of the emulator's Retry-After", clock.Sleeps())
	}
	if n := s.Count("new_vendorinvoices"); n != 4 {
		t.Errorf("%d invoices, want 4", n)
	}
}

func TestEmulatorBreakerOpensWhenDown(t *testing.T) {
	d, s, clock := emu(t, nil, func(c *Config) {
		c.Retry.MaxAttempts = 2
		c.Breaker = BreakerConfig{Failures: 3, OpenTimeout: time.Minute}
	})
	ctx := context.Background()
	if err := d.Check(ctx); err != nil {
		t.Fatal(err)
	}
	s.SetDown(true)
	for range 3 {
		if err := d.Check(ctx); codeOf(err) != "crm_503" {
			t.Fatalf("got %v, want crm_503", err)
		}
	}
	before := s.Stats().Requests
	if _, err := d.Deliver(ctx, lineOnlyPlan()); !errors.Is(err, destinations.ErrCircuitOpen) {
		t.Fatalf("got %v, want circuit open", err)
	}
	if s.Stats().Requests != before {
		t.Errorf("requests reached the server while the breaker was open")
	}
	s.SetDown(false)
	clock.Advance(time.Minute)
	if _, err := d.Deliver(ctx, lineOnlyPlan()); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if d.BreakerState() != "closed" {
		t.Errorf("breaker %s, want closed", d.BreakerState())
	}
}

func TestEmulatorDroppedConnectionRetried(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	s.AddFault(dataversetest.Fault{Kind: dataversetest.FaultDrop, Path: "$batch", AfterWrite: true, Count: 1})
	rc, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-D", mapping.OnMissingFail))
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if rc.Records[0].Outcome != destinations.Updated {
		t.Errorf("outcome %s, want updated (the dropped attempt had written the row)", rc.Records[0].Outcome)
	}
	if n := s.Count("new_vendorinvoices"); n != 1 {
		t.Errorf("%d invoices, want 1", n)
	}
}

// TestEmulatorConcurrencyLimit: the 2 ms latency only makes requests
// overlap; what is asserted (all written, the limit capped by the hint
// every response carries) holds however many of them were refused.
func TestEmulatorConcurrencyLimit(t *testing.T) {
	d, s, _ := emu(t, []dataversetest.Option{dataversetest.WithLimits(dataversetest.Limits{Concurrent: 2}),
		dataversetest.WithLatency(2 * time.Millisecond)}, func(c *Config) { c.InitialConcurrency = 8 })
	seedVendor(s)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpsert, "INV-C"+string(rune('a'+i)), mapping.OnMissingFail)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := s.Count("new_vendorinvoices"); n != 16 {
		t.Errorf("%d invoices, want 16", n)
	}
	if got := d.Concurrency(); got > 2 {
		t.Errorf("concurrency limit %d, want at most the x-ms-dop-hint 2", got)
	}
}

func TestEmulatorUpdateOnlyMissingRowFails(t *testing.T) {
	d, s, _ := emu(t, nil)
	seedVendor(s)
	_, err := d.Deliver(context.Background(), invoicePlan(mapping.ModeUpdate, "INV-404", mapping.OnMissingFail))
	if got := codeOf(err); got != "crm_404_0x80060891" || destinations.Classify(err) != destinations.Permanent {
		t.Fatalf("got %v (%s), want permanent crm_404_0x80060891", err, got)
	}
	if n := s.Count("new_vendorinvoices") + s.Count("new_vendorinvoicelines"); n != 0 {
		t.Errorf("%d rows written, want none", n)
	}
	var ifMatch bool
	for _, r := range s.Requests() {
		if r.InBatch && r.ContentID == "1" && r.Header.Get("If-Match") == "*" {
			ifMatch = true
		}
	}
	if !ifMatch {
		t.Error("the update-only part did not carry If-Match: *")
	}
}
