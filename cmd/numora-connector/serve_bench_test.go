package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numora/numora-connector/destinations/dynamics365"

	numoraconnector "github.com/numora/numora-connector"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/internal/logctx"
	"github.com/numora/numora-connector/internal/sandboxenv"
	"github.com/numora/numora-connector/mapping"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/numora/webhook"
	"github.com/numora/numora-connector/secret"
)

// serveBenchLatency is every emulated request's service latency.
const serveBenchLatency = 20 * time.Millisecond

// serveBench is serve running in process against emulators with 20 ms
// latency and n generated invoices; the Numora emulator notes when each
// delivery callback was accepted.
type serveBench struct {
	url    string
	ids    []string
	numora *numoratest.Server
	stop   func()
}

func startServeBench(b *testing.B, n int) *serveBench {
	b.Helper()
	dir := b.TempDir()
	dv, err := dataversetest.Start(dataversetest.Config{CADir: dir, Latency: serveBenchLatency, LeanRows: true, RequestLog: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(dv.Close)
	if err := sandboxenv.SeedDataverse(dv); err != nil {
		b.Fatal(err)
	}
	nm := numoratest.NewServer(numoratest.WithRequestLog(1), numoratest.WithLatency(serveBenchLatency))
	b.Cleanup(nm.Close)
	nm.GenerateInvoices(n, 7, 3)
	rules, err := mapping.Parse("mappings.yaml", numoraconnector.DefaultMappings)
	if err != nil {
		b.Fatal(err)
	}
	cfg := &config{Numora: numoraConfig{BaseURL: nm.URL, APIKey: secret.New(nm.APIKey)},
		Dynamics: dynamicsConfig{Config: dynamics365.Config{OrgURL: dv.URL, Auth: dynamics365.AuthClientSecret,
			TenantID: dv.TenantID, ClientID: dv.ClientID, ClientSecret: secret.New(dv.ClientSecret),
			AuthorityHost: dv.AuthorityHost}},
		Serve: serveConfig{Queue: filepath.Join(dir, "queue.db"), Secrets: secret.New(webhookSecret)}}
	cfg.applyDefaults()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, getenv: os.Getenv}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- a.serve(ctx, cfg, logctx.Discard(), ln, extras{rootCAs: dv.CertPool(), rules: rules}) }()
	return &serveBench{url: "http://" + ln.Addr().String(), ids: nm.OutboxIDs(), numora: nm,
		stop: func() { cancel(); <-done }}
}

// post sends a signed executor notify for id.
func (s *serveBench) post(b *testing.B, hc *http.Client, id string) {
	body := []byte(executorBody(id))
	req, _ := http.NewRequest(http.MethodPost, s.url+"/numora/executor", strings.NewReader(string(body)))
	req.Header.Set(webhook.Header, webhook.Sign(webhook.Scheme{}, []byte(webhookSecret), strconv.FormatInt(time.Now().Unix(), 10), body))
	resp, err := hc.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b.Errorf("notify %s: %d", id, resp.StatusCode)
	}
}

// BenchmarkServeAccept: notifications accepted per second through HTTP,
// signature check and the fsync'd queue, 16 senders at once, while the
// drainer delivers them (20 ms service latency).
func BenchmarkServeAccept(b *testing.B) {
	const n = 2000
	s := startServeBench(b, n)
	defer s.stop()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.ResetTimer()
	for range b.N {
		ids := make(chan string)
		var wg sync.WaitGroup
		start := time.Now()
		for range 16 {
			wg.Go(func() {
				for id := range ids {
					s.post(b, hc, id)
				}
			})
		}
		for _, id := range s.ids {
			ids <- id
		}
		close(ids)
		wg.Wait()
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "notifications/s")
	}
}

// BenchmarkServeLatency: time from an executor notify to its delivery
// callback being answered, at 20 ms service latency, with notifications
// arriving every 10 ms (100/s, below capacity).
func BenchmarkServeLatency(b *testing.B) {
	const n = 500
	for range b.N {
		s := startServeBench(b, n)
		hc := &http.Client{}
		sent := make(map[string]time.Time, n)
		tick := time.NewTicker(10 * time.Millisecond)
		for _, id := range s.ids {
			<-tick.C
			sent[id] = time.Now()
			go s.post(b, hc, id)
		}
		tick.Stop()
		if err := s.numora.WaitAccepted(context.Background(), len(s.ids)); err != nil {
			b.Fatal(err)
		}
		s.stop()
		var lat []time.Duration
		for _, cb := range s.numora.AcceptedCallbacks() {
			if t, ok := sent[cb.DocumentID]; ok {
				lat = append(lat, cb.At.Sub(t))
				delete(sent, cb.DocumentID) // the first callback of each
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	}
}
