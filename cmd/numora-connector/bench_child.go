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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/numora/numora-connector/connector"
)

// childRun is what one connector process did, measured from outside: its
// summary, its resource usage (rusage) and its heap (GODEBUG=gctrace=1).
type childRun struct {
	code      int
	wall      time.Duration // process start to exit
	elapsed   time.Duration // the pass, from the summary
	counts    connector.Counts
	throttle  connector.Throttle
	maxRSS    int64         // bytes: polled VmHWM on Linux, else rusage
	cpu       time.Duration // user + system
	peakHeap  int64         // bytes; 0 when no GC ran
	gcs       int
	logLines  int      // warnings and errors the child logged
	problems  []string // the first of them, shortened
	exitError string
}

// runChild runs "<binary> run" against env and measures it.
func runChild(ctx context.Context, binary string, env *benchEnv, concurrency int) (*childRun, error) {
	summary := filepath.Join(env.dir, "summary.json")
	args := []string{"run", "--summary-json", summary, "--log-format", "json", "--log-level", "warn"}
	if concurrency > 0 {
		args = append(args, "--concurrency", strconv.Itoa(concurrency))
	}
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = env.dir
	cmd.Env = append(env.childEnv(), "GODEBUG=gctrace=1")
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

// gcLine matches the heap figures of a gctrace line: "4->5->1 MB".
var gcLine = regexp.MustCompile(`^gc \d+ @.* (\d+)->(\d+)->(\d+) MB`)

// scanStderr reads the child's stderr to the end: gctrace lines give the
// peak heap (the largest heap size at the start or end of a collection);
// the first few log lines are kept for the report.
func (r *childRun) scanStderr(rd io.Reader) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := gcLine.FindStringSubmatch(line); m != nil {
			r.gcs++
			for _, s := range m[1:3] {
				if mb, err := strconv.ParseInt(s, 10, 64); err == nil {
					r.peakHeap = max(r.peakHeap, mb<<20)
				}
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		r.logLines++
		if len(r.problems) < 2 {
			r.problems = append(r.problems, shorten(line, 240))
		}
	}
}

// readSummary reads the counts, the pass's elapsed time and the throttling
// from the summary file.
func (r *childRun) readSummary(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("the connector wrote no summary (exit %d): %w", r.code, err)
	}
	defer f.Close()
	var s struct {
		ElapsedMS int64               `json:"elapsed_ms"`
		Counts    connector.Counts    `json:"counts"`
		Throttle  struct{ Waits int } `json:"throttling"`
		Error     string              `json:"error"`
	}
	if err := json.NewDecoder(f).Decode(&s); err != nil {
		return fmt.Errorf("reading the connector's summary: %w", err)
	}
	r.elapsed = time.Duration(s.ElapsedMS) * time.Millisecond
	r.counts, r.throttle.Waits, r.exitError = s.Counts, s.Throttle.Waits, s.Error
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
