package dynamics365

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/mapping"
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
