package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	numoraconnector "github.com/numora/numora-connector"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
	"github.com/numora/numora-connector/internal/sandboxenv"
	"github.com/numora/numora-connector/numora/numoratest"
)

// benchEnv is one benchmark's pair of emulators, seeded, with the files a
// child connector needs (CA certificate, mapping rules).
type benchEnv struct {
	dv     *dataversetest.Server
	numora *numoratest.Server
	slow   *slowHandler // the Numora emulator behind its latency
	hs     *httptest.Server
	dir    string
}

// slowHandler delays every request by delay before serving it, counts the
// requests and notes when each delivery callback was answered.
type slowHandler struct {
	next     http.Handler
	delay    time.Duration
	requests atomic.Int64

	mu        sync.Mutex
	callbacks []time.Time
}

func (h *slowHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.requests.Add(1)
	if h.delay > 0 {
		t := time.NewTimer(h.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	h.next.ServeHTTP(w, r)
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/delivery") {
		h.mu.Lock()
		h.callbacks = append(h.callbacks, time.Now())
		h.mu.Unlock()
	}
}

// delivered counts the delivery callbacks answered so far.
func (h *slowHandler) delivered() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.callbacks)
}

// sustained is the throughput of the second half of the run: the second
// half of the callbacks over the time they took. It leaves out the start
// (ramp-up, the first service-protection window); 0 for fewer than 4.
func (h *slowHandler) sustained() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.callbacks)
	if n < 4 {
		return 0
	}
	half := n / 2
	d := h.callbacks[n-1].Sub(h.callbacks[half-1])
	if d <= 0 {
		return 0
	}
	return float64(n-half) / d.Seconds()
}

// envSpec says how to build a benchEnv.
type envSpec struct {
	docs, lines int
	seed        int64
	latency     time.Duration
	execTime    time.Duration        // per operation, slept and counted
	limits      dataversetest.Limits // Dataverse's service protection
}

// noLimits turns every service-protection limit off.
var noLimits = dataversetest.Limits{Concurrent: -1, Requests: -1, ExecTime: -1}

// startBenchEnv starts the emulators, seeds the vendors' accounts, the
// owner team and the documents, and writes the CA and the rules.
func startBenchEnv(spec envSpec) (*benchEnv, error) {
	dir, err := os.MkdirTemp("", "numora-bench-")
	if err != nil {
		return nil, err
	}
	dv, err := dataversetest.Start(dataversetest.Config{CADir: dir, Latency: spec.latency,
		ExecTime: spec.execTime, SleepExecTime: spec.execTime > 0, Limits: spec.limits,
		LeanRows: true, RequestLog: -1})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the Dataverse emulator: %w", err)
	}
	nm := numoratest.New(numoratest.WithRequestLog(1), numoratest.WithSeed(spec.seed))
	slow := &slowHandler{next: nm, delay: spec.latency}
	e := &benchEnv{dv: dv, numora: nm, slow: slow, hs: httptest.NewServer(slow), dir: dir}
	if err := e.seed(spec); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *benchEnv) seed(spec envSpec) error {
	if err := sandboxenv.SeedDataverse(e.dv); err != nil {
		return err
	}
	e.numora.GenerateInvoices(spec.docs, spec.seed, spec.lines)
	if err := e.dv.WriteCAFile(e.caFile()); err != nil {
		return err
	}
	return os.WriteFile(e.rulesFile(), numoraconnector.DefaultMappings, 0o600)
}

func (e *benchEnv) caFile() string    { return filepath.Join(e.dir, "ca.pem") }
func (e *benchEnv) rulesFile() string { return filepath.Join(e.dir, "mappings.yaml") }
func (e *benchEnv) numoraURL() string { return e.hs.URL }

// childEnv is the environment pointing a connector at the emulators; the
// Go runtime's GOGC, GOMEMLIMIT and GOMAXPROCS pass through when set.
func (e *benchEnv) childEnv() []string {
	env := append(sandboxenv.Env(e.numoraURL(), e.numora.APIKey, e.dv, e.caFile()),
		"PATH="+os.Getenv("PATH"), "HOME="+e.dir, "CONNECTOR_MAPPINGS="+e.rulesFile())
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// configure writes a connector configuration that tells it Dataverse's
// limits (dynamics.limits) when announce is set, and how many documents a
// $batch may carry when batchDocuments > 0, and returns the arguments that
// use it.
func (e *benchEnv) configure(announce bool, l dataversetest.Limits, batchDocuments int) ([]string, error) {
	path := filepath.Join(e.dir, "connector.yaml")
	yaml := "dynamics:\n"
	if announce {
		yaml += fmt.Sprintf("  limits:\n    requests: %d\n    execution_time: %s\n    window: %s\n",
			l.Requests, l.ExecTime, max(l.Window, 0))
	}
	if batchDocuments > 0 {
		yaml += fmt.Sprintf("  batch_documents: %d\n", batchDocuments)
	}
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		return nil, err
	}
	return []string{"--config", path}, nil
}

// close stops the servers and removes the files. It cuts latency short.
func (e *benchEnv) close() {
	e.hs.CloseClientConnections()
	e.hs.Close()
	e.numora.Close()
	e.dv.Close()
	os.RemoveAll(e.dir)
}
