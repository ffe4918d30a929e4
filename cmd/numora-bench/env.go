package main

import (
	"fmt"
	"os"
	"path/filepath"
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
	numora *numoratest.Server // delays every request by the latency itself
	slow   *numoraFigures
	dir    string
}

// numoraFigures reads what the report needs from the Numora emulator: the
// requests it received and when each delivery callback was accepted.
type numoraFigures struct {
	nm *numoratest.Server
	// requests counts the emulator's requests (Load, like a counter).
	requests requestCount
}

// requestCount is the emulator's request count.
type requestCount struct{ nm *numoratest.Server }

// Load returns the requests received so far.
func (c requestCount) Load() int64 { return c.nm.RequestCount() }

// delivered counts the delivery callbacks accepted so far.
func (h *numoraFigures) delivered() int { return h.nm.AcceptedCount() }

// sustained is the sustained throughput of the callbacks accepted so far.
func (h *numoraFigures) sustained() float64 {
	cb := h.nm.AcceptedCallbacks()
	at := make([]time.Time, len(cb))
	for i, c := range cb {
		at[i] = c.At
	}
	return sustainedRate(at)
}

// sustainedRate is the throughput of the second half of a run whose
// callbacks were accepted at the times at: the second half of them over
// the time they took. It leaves out the start (ramp-up, the first
// service-protection window); 0 for fewer than 4.
func sustainedRate(at []time.Time) float64 {
	n := len(at)
	if n < 4 {
		return 0
	}
	half := n / 2
	d := at[n-1].Sub(at[half-1])
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
	nm := numoratest.NewServer(numoratest.WithRequestLog(1), numoratest.WithSeed(spec.seed),
		numoratest.WithLatency(spec.latency))
	e := &benchEnv{dv: dv, numora: nm, slow: &numoraFigures{nm: nm, requests: requestCount{nm}}, dir: dir}
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
func (e *benchEnv) numoraURL() string { return e.numora.URL }

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
	e.numora.Close()
	e.dv.Close()
	os.RemoveAll(e.dir)
}
