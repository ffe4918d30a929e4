package numora_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
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

// BenchmarkDecodeResult decodes one generated 5-line invoice result as the
// client does, and through plain json.Unmarshal: result decoding was the
// client's largest share of CPU per document.
func BenchmarkDecodeResult(b *testing.B) {
	body := invoiceResultJSON(b)
	b.Run("client", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := numora.DecodeResult(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var r numora.Result
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// invoiceResultJSON is the result body of one generated 5-line invoice.
func invoiceResultJSON(tb testing.TB) []byte {
	srv := numoratest.NewServer(numoratest.WithAPIKey(apiKey))
	defer srv.Close()
	srv.GenerateInvoices(1, 1, 5)
	c, err := numora.New(numora.Config{BaseURL: srv.URL, APIKey: secret.New(apiKey)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	for item, err := range c.Outbox(ctx, "dynamics365", 1) {
		if err != nil {
			tb.Fatal(err)
		}
		r, err := c.ResultOf(ctx, item)
		if err != nil {
			tb.Fatal(err)
		}
		body, err := json.Marshal(r)
		if err != nil {
			tb.Fatal(err)
		}
		return body
	}
	tb.Fatal("the emulator's outbox is empty")
	return nil
}
