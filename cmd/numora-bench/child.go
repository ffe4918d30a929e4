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
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/numora/numora-connector/connector"
)

// childRun is what one connector process did: its summary (with its own
// runtime/metrics figures: heap, GC), and its resource usage measured from
// outside (rusage, VmHWM).
type childRun struct {
	code      int
	wall      time.Duration // process start to exit
	elapsed   time.Duration // the pass, from the summary
	counts    connector.Counts
	throttle  connector.Throttle
	maxRSS    int64                   // bytes: polled VmHWM on Linux, else rusage
	cpu       time.Duration           // user + system
	runtime   *connector.RuntimeStats // nil: a connector too old to report it
	logLines  int                     // warnings and errors the child logged
	problems  []string                // the first of them, shortened
	exitError string
}

// runChild runs "<binary> run" against env, with extra arguments, and
// measures it.
func runChild(ctx context.Context, binary string, env *benchEnv, concurrency int, extra ...string) (*childRun, error) {
	summary := filepath.Join(env.dir, "summary.json")
	args := append([]string{"run", "--summary-json", summary, "--log-format", "json", "--log-level", "warn"}, extra...)
	if concurrency > 0 {
		args = append(args, "--concurrency", strconv.Itoa(concurrency))
	}
	cmd := exec.CommandContext(ctx, binary, args...)
	// Stopped early (the caller's deadline), the connector is sent SIGQUIT
	// first, so that the Go runtime prints its goroutines to the stderr
	// this run reads: a hang shows where it waits.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = env.dir
	cmd.Env = env.childEnv()
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", binary, err)
	}
	stop := make(chan struct{})
	peak := watchRSS(cmd.Process.Pid, 20*time.Millisecond, stop)
	r := &childRun{}
	r.scanStderr(stderr)
	err = cmd.Wait()
	r.wall = time.Since(start)
	close(stop)
	r.code = cmd.ProcessState.ExitCode()
	if err != nil && r.code < 0 {
		return nil, fmt.Errorf("running %s: %w", binary, err)
	}
	r.maxRSS, r.cpu = rusage(cmd.ProcessState)
	if p := <-peak; p > 0 {
		r.maxRSS = p
	}
	if err := r.readSummary(summary); err != nil {
		return r, err
	}
	return r, nil
}

// scanStderr reads the child's stderr to the end: it counts the lines the
// connector logged (warnings and errors) and keeps the first few for the
// report.
func (r *childRun) scanStderr(rd io.Reader) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		r.logLines++
		if len(r.problems) < 2 {
			r.problems = append(r.problems, shorten(line, 240))
		}
	}
}

// readSummary reads the counts, the pass's elapsed time, the throttling
// and the runtime figures from the summary file.
func (r *childRun) readSummary(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("the connector wrote no summary (exit %d): %w", r.code, err)
	}
	defer f.Close()
	var s struct {
		ElapsedMS int64                   `json:"elapsed_ms"`
		Counts    connector.Counts        `json:"counts"`
		Throttle  struct{ Waits int }     `json:"throttling"`
		Error     string                  `json:"error"`
		Runtime   *connector.RuntimeStats `json:"runtime"`
	}
	if err := json.NewDecoder(f).Decode(&s); err != nil {
		return fmt.Errorf("reading the connector's summary: %w", err)
	}
	r.elapsed = time.Duration(s.ElapsedMS) * time.Millisecond
	r.counts, r.throttle.Waits, r.exitError, r.runtime = s.Counts, s.Throttle.Waits, s.Error, s.Runtime
	return nil
}

// shorten cuts s to at most n bytes (on a rune boundary) with an ellipsis.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
