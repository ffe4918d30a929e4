package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary is the connector, built once for the tests the way the command
// builds it when it has none.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "numora-bench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary, err = buildConnector(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the command.
type result struct {
	code           int
	stdout, stderr string
}

// benchRun runs the command in this process against the built connector.
func benchRun(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb strings.Builder
	b := &bench{stdout: &out, stderr: &errb}
	// A generous bound (a run takes seconds), so that a hung connector
	// fails this test with its goroutines rather than the whole binary.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	code := b.run(ctx, append([]string{"--binary", binary}, args...))
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
func TestIdealBound(t *testing.T) {
	base := boundInput{docs: 5000, opsPerDoc: 6, latency: 20 * time.Millisecond, execTime: 2 * time.Millisecond,
		concurrency: 32, dvConcurrency: 52, docsPerRequest: 10, extraRequests: 12}
	limited := base
	limited.windowRequests, limited.windowExec, limited.window = 200, 40*time.Second, 10*time.Second
	execBound := base
	execBound.docs, execBound.windowExec, execBound.window = 1000, time.Second, 10*time.Second
	slots := base
	slots.concurrency, slots.dvConcurrency, slots.docsPerRequest = 5000, 2, 1
	alone := base
	alone.docsPerRequest = 1
	tests := []struct {
		name string
		in   boundInput
		want time.Duration
		by   string
	}{
		// 4 round trips to start, ⌈5000/32⌉ = 157 waves of one 20 ms read,
		// the last write (20 ms + 6·2 ms) and the last callback.
		{"pipeline", base, 80*time.Millisecond + 157*20*time.Millisecond + 32*time.Millisecond + 20*time.Millisecond, "pipeline"},
		// One document per $batch: 32 writers, ⌈5000/32⌉ = 157 writes of 32 ms.
		{"writers", alone, 157 * 32 * time.Millisecond, "writers"},
		// ⌈(500 + 12)/200⌉ − 1 = 2 full windows before the last requests.
		{"request window", limited, 20 * time.Second, "request window"},
		// (1000·6 + 12)·2 ms = 12.024 s of execution, 1 s per 10 s window.
		{"execution window", execBound, 120 * time.Second, "execution window"},
		// 5012 requests of 20 ms plus 60 s of execution over 2 slots.
		{"Dataverse concurrency", slots, 80*time.Second + 120*time.Millisecond, "Dataverse concurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := idealBound(tt.in)
			if math.Abs(float64(got.elapsed-tt.want)) > float64(time.Millisecond) || got.by != tt.by {
				t.Errorf("got %v by %s, want %v by %s", got.elapsed, got.by, tt.want, tt.by)
			}
		})
	}
}

func TestSteadyRate(t *testing.T) {
	in := boundInput{opsPerDoc: 6, latency: 20 * time.Millisecond, execTime: 2 * time.Millisecond,
		concurrency: 32, dvConcurrency: 52, docsPerRequest: 10}
	limited := in
	limited.concurrency, limited.windowRequests, limited.windowExec, limited.window = 52, 200, 40*time.Second, 10*time.Second
	alone := in
	alone.docsPerRequest = 1
	tests := []struct {
		name string
		in   boundInput
		want float64
		by   string
	}{
		// 32 workers reading a result each per 20 ms (320 writers and 52
		// Dataverse slots keep up at any batch size).
		{"pipeline", in, 32 / 0.02, "pipeline"},
		// Ten per $batch: 20 requests/s carry 200 documents/s.
		{"request window", limited, 200, "request window"},
		// One per $batch: 32 writers, each write 20 ms + 6·2 ms.
		{"writers", alone, 32 / 0.032, "writers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := steadyRate(tt.in)
			if math.Abs(got.docsPerSecond-tt.want) > 0.01 || got.by != tt.by {
				t.Errorf("got %.2f by %s, want %.2f by %s", got.docsPerSecond, got.by, tt.want, tt.by)
			}
		})
	}
}

func TestScanStderr(t *testing.T) {
	in := strings.Join([]string{
		`{"level":"WARN","msg":"dynamics365: retrying","code":"crm_429"}`,
		"",
		`{"level":"ERROR","msg":"` + strings.Repeat("x", 400) + `"}`,
		`{"level":"WARN","msg":"third"}`,
	}, "\n")
	var r childRun
	r.scanStderr(strings.NewReader(in))
	if r.logLines != 3 || len(r.problems) != 2 || len(r.problems[1]) > 245 {
		t.Errorf("got %d log lines, kept %q; want 3, the first two, shortened", r.logLines, r.problems)
	}
}

func TestReadSummary(t *testing.T) {
	dir := t.TempDir()
	tail := `"finished_at":"2026-03-24T03:00:06Z","elapsed_ms":6400,"counts":{"seen":5,"delivered":5},"throttling":{"waits":2,"waited_ms":10}`
	tests := []struct {
		name, summary string
		heap, gcs     string
	}{
		{"with runtime figures", `{"entries":[],` + tail + `,"runtime":{"heap_peak_bytes":9437184,"gc_cycles":70}}`, "9 MB", "70 GCs"},
		{"from an older connector", `{"entries":[],` + tail + `}`, "-", "GCs not reported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "summary.json")
			if err := os.WriteFile(path, []byte(tt.summary), 0o600); err != nil {
				t.Fatal(err)
			}
			r := &childRun{}
			if err := r.readSummary(path); err != nil {
				t.Fatal(err)
			}
			row := benchRow{name: "open", docs: 5, delivered: 5, elapsed: r.elapsed, child: r, ideal: &bound{elapsed: time.Second}}
			if r.elapsed != 6400*time.Millisecond || r.counts.Delivered != 5 || r.throttle.Waits != 2 {
				t.Errorf("read %v, %+v, %d waits", r.elapsed, r.counts, r.throttle.Waits)
			}
			if cells := strings.Split(row.line(), "\t"); cells[13] != tt.heap || gcs(r.runtime) != tt.gcs {
				t.Errorf("peak heap cell %q, %q; want %q, %q", cells[13], gcs(r.runtime), tt.heap, tt.gcs)
			}
		})
	}
}

func TestSiblingOf(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "numora-bench")
	if _, ok := siblingOf(exe); ok {
		t.Error("found a connector in an empty directory")
	}
	if err := os.WriteFile(filepath.Join(dir, "numora-connector"+exeSuffix()), nil, 0o700); err != nil {
		t.Fatal(err)
	}
	if got, ok := siblingOf(exe); !ok || got != filepath.Join(dir, "numora-connector"+exeSuffix()) {
		t.Errorf("siblingOf = %q, %v", got, ok)
	}
}
func TestSustained(t *testing.T) {
	var at []time.Time
	start := time.Date(2026, 3, 24, 3, 0, 0, 0, time.UTC)
	for i := range 100 {
		step := 100 * time.Millisecond // a slow first half
		if i >= 50 {
			step = 10 * time.Millisecond
		}
		start = start.Add(step)
		at = append(at, start)
	}
	if got := sustainedRate(at); math.Abs(got-100) > 0.5 {
		t.Errorf("sustained %.1f docs/s, want 100 (the second half: 50 callbacks 10 ms apart)", got)
	}
}

func TestBenchCommand(t *testing.T) {
	r := benchRun(t, "--docs", "40", "--latency", "2ms", "--exec-time", "0", "--baseline-docs", "5",
		"--limit-requests", "8", "--limit-window", "1s")
	if r.code != exitOK {
		t.Fatalf("%v", r)
	}
	for _, want := range []string{"elapsed/ideal", "\n        open    40       0", "\n     limited    40       0", "\n        exec    40       0",
		"\n  sequential     5       0", "× the sequential baseline", "request window"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	// The connector reported its runtime figures; progress went to stderr
	// only, as plain lines (stderr is not a terminal).
	if strings.Contains(r.stdout, "GCs not reported") || strings.Contains(r.stdout, "documents delivered in") {
		t.Errorf("stdout lacks the runtime figures or has progress in it:\n%s", r.stdout)
	}
	for _, want := range []string{"numora-bench: open: 40 documents, running\n", "numora-bench: open: 40 of 40 documents delivered in ",
		"numora-bench: limited: 40 of 40 documents delivered in ", "numora-bench: exec: 40 of 40 documents delivered in ", "numora-bench: sequential: 5 of 5 documents delivered in "} {
		if !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, clearLine) {
			t.Errorf("stderr lacks %q or has a status line:\n%s", want, r.stderr)
		}
	}
}

func TestBenchRatioGuard(t *testing.T) {
	r := benchRun(t, "--docs", "10", "--latency", "1ms", "--baseline-docs", "0", "--mode", "open", "--max-ratio", "0.01")
	if r.code != exitProblems || !strings.Contains(r.stderr, "exceeds --max-ratio 0.01") {
		t.Errorf("a ratio over --max-ratio: got %v, want exit 1 naming the limit", r)
	}
	if r := benchRun(t, "--mode", "fast"); r.code != exitUsage {
		t.Errorf("--mode fast: got exit %d, want 2", r.code)
	}
}

func TestAbsolute(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"./old-connector":       filepath.Join(wd, "old-connector"),
		"bin/numora-connector":  filepath.Join(wd, "bin", "numora-connector"),
		"/opt/numora-connector": "/opt/numora-connector",
		"numora-connector":      "numora-connector", // looked up in PATH
	} {
		if got, err := absolute(in); err != nil || got != want {
			t.Errorf("absolute(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
