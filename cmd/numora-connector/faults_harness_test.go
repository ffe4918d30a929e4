package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora"
)

// The fault matrix runs the binary against the emulators with faults
// injected, for as many passes as it takes to drain the outbox, and then
// checks what issue 6 asks: every document ended succeeded, failed or
// skipped with a reason, or is still in the outbox; the final outcomes and
// rows are those of the same documents delivered without faults (nothing
// lost); no row exists twice; every callback's execution id is consistent;
// and each pass's summary JSON agrees with the emulators.

// corpus names the documents of a fault case: the sandbox's documents
// seeded to fail or be skipped (a value Dataverse refuses, a low-confidence
// amount, a duplicate, an unknown vendor) plus n generated with seed. For
// n ≤ 50 their invoice and contract numbers never collide.
type corpus struct {
	n    int
	seed int64
}

// defaultCorpus is what most cases run on: 40 documents plus 4 seeded.
var defaultCorpus = corpus{n: 40, seed: 606}

// fastConfig makes retries quick so fault cases finish in seconds; the
// budgets (attempts, total wait) are the defaults. dynamics are more
// settings under "dynamics:", two-space indented.
func fastConfig(dynamics ...string) string {
	extra := ""
	for _, d := range dynamics {
		extra += "  " + d + "\n"
	}
	return "numora:\n  retry: {base_delay: 20ms, max_delay: 200ms}\n" +
		"dynamics:\n  retry: {base_delay: 20ms, max_delay: 200ms}\n" + extra +
		"run:\n  stop_grace: 10s\n"
}

// faultEnv is one fault case: seeded emulators and the passes run on them.
type faultEnv struct {
	*e2e
	corpus corpus
	conf   string   // the connector.yaml every pass uses
	ids    []string // the corpus's documents
	passes []passRun
	runs   int // passes started, for summary file names
	// lostAnswers allows callbacks Numora recorded while the connector saw
	// them fail (faults that drop the answer after handling).
	lostAnswers bool
	// extraFaults counts faults the emulators' request logs do not show
	// (token service outages, token expiries).
	extraFaults int
}

// newFaultEnv starts emulators seeded with c; conf is the connector.yaml
// ("" = fastConfig()).
func newFaultEnv(t *testing.T, c corpus, conf string) *faultEnv {
	t.Helper()
	e := newE2E(t, func(d seeded) bool { return d.want != connector.Delivered })
	e.sb.numora.Generate(c.n, c.seed)
	if conf == "" {
		conf = fastConfig()
	}
	f := &faultEnv{e2e: e, corpus: c, ids: e.sb.numora.OutboxIDs(), conf: filepath.Join(e.dir, "faults.yaml")}
	if err := os.WriteFile(f.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// faultSummary is the part of the JSON summary the checks read.
type faultSummary struct {
	RunID    string            `json:"run_id"`
	Entries  []connector.Entry `json:"entries"`
	Counts   connector.Counts  `json:"counts"`
	Stop     string            `json:"stop_reason"`
	Throttle struct {
		Waits    int   `json:"waits"`
		WaitedMS int64 `json:"waited_ms"`
	} `json:"throttling"`
}

// passRun is one run of the binary: its result and summary (nil when it
// wrote none: killed, or stopped before the run began).
type passRun struct {
	result
	sum *faultSummary
}

// runIDs are the run ids a pass logged (a killed pass has no summary).
var runIDPattern = regexp.MustCompile(`"run_id":"(run-[^"]+)"`)

func (p passRun) runIDs() []string {
	var ids []string
	for _, m := range runIDPattern.FindAllStringSubmatch(p.stderr, -1) {
		if !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	if p.sum != nil && !slices.Contains(ids, p.sum.RunID) {
		ids = append(ids, p.sum.RunID)
	}
	return ids
}

// args are a pass's arguments: run with the case's config, a summary file
// and JSON logs, then extra.
func (f *faultEnv) args(extra ...string) ([]string, string) {
	f.runs++
	file := filepath.Join(f.dir, fmt.Sprintf("pass-%02d.json", f.runs))
	return append([]string{"run", "--config", f.conf, "--summary-json", file, "--log-format", "json"}, extra...), file
}

// passTimeout bounds one run of the binary in a fault case: a hung run
// fails its test instead of the whole suite.
const passTimeout = 3 * time.Minute

// pass runs the binary once and records the pass.
func (f *faultEnv) pass(t *testing.T, extra ...string) passRun {
	t.Helper()
	return f.start(t, extra...).wait(t)
}

// record reads the pass's summary, checks its output for secrets and
// panics, and keeps it.
func (f *faultEnv) record(t *testing.T, p passRun, file string) passRun {
	t.Helper()
	if b, err := os.ReadFile(file); err == nil {
		f.noSecrets(t, string(b))
		p.sum = &faultSummary{}
		if err := json.Unmarshal(b, p.sum); err != nil {
			t.Fatalf("summary %s: %v\n%s", file, err, b)
		}
	}
	if strings.Contains(p.stderr, "panic:") || strings.Contains(p.stderr, "goroutine ") {
		t.Errorf("the binary panicked:\n%s", p.stderr)
	}
	f.passes = append(f.passes, p)
	return p
}

// drain runs passes until one leaves nothing for retry, at most max.
func (f *faultEnv) drain(t *testing.T, max int, extra ...string) {
	t.Helper()
	for range max {
		p := f.pass(t, extra...)
		if p.code == exitUsage {
			t.Fatalf("configuration refused: %v", p.result)
		}
		if p.sum != nil && p.sum.Counts.LeftForRetry == 0 && p.sum.Stop == "" {
			return
		}
	}
	t.Fatalf("the outbox was not drained after %d passes; last: %v", max, f.passes[len(f.passes)-1].result)
}

// started is a pass running in the background.
type started struct {
	f      *faultEnv
	cmd    *exec.Cmd
	file   string
	stdout strings.Builder
	lines  chan string   // stderr, line by line; closed at EOF
	done   chan struct{} // closed at stderr's EOF, after stderr is complete
	stderr strings.Builder
	ctx    context.Context // ends passTimeout after the start, killing the run
}

// start runs a pass in the background; its stderr lines arrive on lines.
func (f *faultEnv) start(t *testing.T, extra ...string) *started {
	t.Helper()
	args, file := f.args(extra...)
	ctx, cancel := context.WithTimeout(context.Background(), passTimeout)
	t.Cleanup(cancel)
	s := &started{f: f, cmd: exec.CommandContext(ctx, binary, args...), file: file, lines: make(chan string, 4096),
		done: make(chan struct{}), ctx: ctx}
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout = f.dir, f.env, &s.stdout
	// A hung run is stopped with SIGQUIT first: the Go runtime then prints
	// every goroutine's stack to stderr, which the failure shows.
	s.cmd.Cancel = func() error { return s.cmd.Process.Signal(syscall.SIGQUIT) }
	s.cmd.WaitDelay = 10 * time.Second
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go readLines(pipe, &s.stderr, s.lines, s.done)
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	return s
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// readLines copies a process's stderr into log and, while someone takes
// them, onto lines; it closes lines and then done at EOF.
func readLines(pipe io.Reader, log *strings.Builder, lines chan<- string, done chan<- struct{}) {
	defer close(done)
	defer close(lines)
	sc := bufio.NewScanner(pipe)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		select {
		case lines <- sc.Text():
		default: // nobody is waiting for lines; the log is kept anyway
		}
	}
}

// waitLine reads stderr until a line contains substr; false at EOF.
func (s *started) waitLine(substr string) bool {
	for line := range s.lines {
		if strings.Contains(line, substr) {
			return true
		}
	}
	return false
}

// await receives n values from ch (a gate's Arrived), failing the test if
// the process ends first or a minute passes.
func (s *started) await(t *testing.T, ch <-chan struct{}, n int, what string) {
	t.Helper()
	for range n {
		select {
		case <-ch:
		case <-s.done:
			t.Fatalf("the run ended before %s:\n%s", what, s.stderr.String())
		case <-time.After(time.Minute):
			t.Fatalf("no %s after a minute", what)
		}
	}
}

// wait waits for the process, drains stderr and records the pass.
func (s *started) wait(t *testing.T) passRun {
	t.Helper()
	for range s.lines {
	}
	_ = s.cmd.Wait()
	if s.ctx.Err() != nil {
		t.Errorf("the run was stopped after %v: it hung; its goroutines:\n%s", passTimeout, tail(s.stderr.String(), 400))
	}
	r := result{code: s.cmd.ProcessState.ExitCode(), stdout: s.stdout.String(), stderr: s.stderr.String()}
	f := s.f
	f.noSecrets(t, r.stdout+r.stderr)
	return f.record(t, passRun{result: r}, s.file)
}

// outcome is a document's last recorded outcome: the status and code of
// its last accepted callback, or "untouched".
func (f *faultEnv) outcome(id string) string {
	got := f.accepted(id)
	if len(got) == 0 {
		return "untouched"
	}
	last := got[len(got)-1]
	if last.Status == numora.DeliverySucceeded {
		return string(last.Status)
	}
	return string(last.Status) + " " + last.ErrorCode
}

// baseline is the corpus delivered without faults: each document's final
// outcome and the rows, in canonical form.
type baseline struct {
	outcomes map[string]string
	rows     map[string][]string
}

var baselines sync.Map // corpus → *baselineOnce

type baselineOnce struct {
	once sync.Once
	b    *baseline
}

// baselineOf delivers c once per test binary without faults and returns
// the result.
func baselineOf(t *testing.T, c corpus) *baseline {
	t.Helper()
	v, _ := baselines.LoadOrStore(c, &baselineOnce{})
	bo := v.(*baselineOnce)
	bo.once.Do(func() {
		f := newFaultEnv(t, c, "")
		f.drain(t, 1)
		b := &baseline{outcomes: map[string]string{}, rows: snapshotRows(f)}
		for _, id := range f.ids {
			b.outcomes[id] = f.outcome(id)
		}
		bo.b = b
	})
	if bo.b == nil {
		t.Fatal("the fault-free baseline run failed")
	}
	return bo.b
}
