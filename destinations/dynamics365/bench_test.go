package dynamics365

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora/numoratest"
)

// BenchmarkDeliverEmulator measures whole deliveries (lookup cached,
// one $batch of three operations each) against the emulator over TLS,
// with 8 workers.
func BenchmarkDeliverEmulator(b *testing.B) {
	d, s, _ := emu(b, []dataversetest.Option{dataversetest.WithoutLimits()})
	seedVendor(s)
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			plan := invoicePlan(mapping.ModeUpsert, "INV-B"+strconv.FormatInt(n.Add(1), 10), mapping.OnMissingFail)
			if _, err := d.Deliver(context.Background(), plan); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(s.TokenRequests()), "token-requests")
}

// BenchmarkMapAndEncode measures the per-document CPU work without the
// network: map a 5-line invoice with the default rules, resolve its
// records (metadata and lookups cached), build its change set and encode
// the $batch body. docs/s is 1e9/ns/op on one core (target: 20,000).
func BenchmarkMapAndEncode(b *testing.B) {
	rules, err := mapping.Load("../../mappings.yaml")
	if err != nil {
		b.Fatal(err)
	}
	nm := numoratest.New()
	nm.GenerateInvoices(1, 1, 5)
	res, ok := nm.Result(nm.OutboxIDs()[0])
	if !ok {
		b.Fatal("no generated result")
	}
	d, s, _ := emu(b, nil)
	for _, v := range numoratest.Vendors {
		s.Seed("accounts", map[string]any{"name": v.Name, "accountnumber": v.AccountNumber()})
	}
	if s.Count("teams") == 0 {
		s.Seed("teams", map[string]any{"name": "Accounts Payable"})
	}
	ctx := context.Background()
	plan, err := rules.Render(res)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Deliver(ctx, plan); err != nil { // fills the caches
		b.Fatal(err)
	}
	before := s.Stats().Requests
	b.ReportAllocs()
	for b.Loop() {
		plan, err := rules.Render(res)
		if err != nil {
			b.Fatal(err)
		}
		w, err := d.prepare(ctx, plan, false)
		if err != nil {
			b.Fatal(err)
		}
		cs, err := w.changeSet("changeset_1")
		if err != nil {
			b.Fatal(err)
		}
		bt := &batch{boundary: "batch_1", changeSets: []changeSet{cs}}
		if len(bt.encode()) == 0 {
			b.Fatal("empty body")
		}
	}
	if after := s.Stats().Requests; after != before {
		b.Fatalf("%d requests sent while encoding, want none", after-before)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
