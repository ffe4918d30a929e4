package dataversetest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// benchPost sends one request and fails the benchmark on a non-2xx.
func benchPost(b *testing.B, s *Server, token, path, contentType, body string) {
	req, _ := http.NewRequest("POST", s.serviceRoot()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := s.Client().Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		b.Errorf("got %d", resp.StatusCode)
	}
}

// BenchmarkDocumentChangeSet is the connector's shape: one $batch with a
// change set of an invoice upsert by alternate key and 5 bound lines.
func BenchmarkDocumentChangeSet(b *testing.B) {
	s := NewServer(WithConfig(Config{RequestLog: -1}), WithoutLimits())
	defer s.Close()
	token := s.IssueToken()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			parts := []batchPart{{method: "PATCH", url: fmt.Sprintf("new_vendorinvoices(new_invoicenumber='INV-%d')", i),
				body: `{"new_name":"Invoice","new_totalamount":1234.56,"new_currency":100000000,"new_invoicedate":"2026-03-24"}`, contentID: "1"}}
			for l := range 5 {
				parts = append(parts, batchPart{method: "PATCH", url: fmt.Sprintf("new_vendorinvoicelines(%s)", stableGUID("line", fmt.Sprint(i, l))),
					body: `{"new_name":"line","new_quantity":2,"new_unitprice":10.5,"new_amount":21,"new_linenumber":1,"new_InvoiceId@odata.bind":"$1"}`})
			}
			benchPost(b, s, token, "$batch", "multipart/mixed; boundary=batch_AAA", batchBody("batch_AAA", batchGroup{changeSet: true, parts: parts}))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkCreate is one POST per operation.
func BenchmarkCreate(b *testing.B) {
	s := NewServer(WithConfig(Config{RequestLog: -1}), WithoutLimits())
	defer s.Close()
	token := s.IssueToken()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchPost(b, s, token, "accounts", "application/json", `{"name":"Contoso","accountnumber":"DE123"}`)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
