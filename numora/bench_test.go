package numora_test

import (
	"context"
	"testing"

	"github.com/numora/numora-connector/internal/secret"
	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
)

// BenchmarkOutboxAndResults lists 2,000 generated documents through the
// client and reads each result: the read half of a run, on loopback.
func BenchmarkOutboxAndResults(b *testing.B) {
	srv := numoratest.NewServer(numoratest.WithAPIKey(apiKey))
	defer srv.Close()
	srv.Generate(2000, 1)
	c, err := numora.New(numora.Config{BaseURL: srv.URL, APIKey: secret.New(apiKey)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		n := 0
		for item, err := range c.Outbox(ctx, "dynamics365", 100) {
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.ResultOf(ctx, item); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 2000 {
			b.Fatalf("got %d documents, want 2000", n)
		}
	}
	b.ReportMetric(float64(2000*b.N)/b.Elapsed().Seconds(), "docs/s")
}
