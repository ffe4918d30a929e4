package queue

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The crash child: it opens the queue named by QUEUE_CRASH_CHILD, reads
// one document id a line from stdin, Puts each in its own goroutine (so
// commits are shared) and prints "ok <id>" once Put returned. The parent
// kills it with SIGKILL.
func TestMain(m *testing.M) {
	if path := os.Getenv("QUEUE_CRASH_CHILD"); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

func crashChild(path string) {
	q, err := Open(path, Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		id := in.Text()
		go func() {
			if _, err := q.Put(Notice{DocumentID: id, EventID: "evt_" + id, Source: "crash"}); err != nil {
				return
			}
			mu.Lock()
			fmt.Println("ok", id)
			mu.Unlock()
		}()
	}
	select {} // wait for the kill
}

// crashTrials is SOAK_TRIALS (make soak), else 3.
func crashTrials() int {
	if n, err := strconv.Atoi(os.Getenv("SOAK_TRIALS")); err == nil && n > 0 {
		return n
	}
	return 3
}

// TestCrashAfterAcknowledgement kills the child with SIGKILL as soon as it
// acknowledged half of the notices (the rest still being committed): every
// acknowledged notice must be stored, and the file must open cleanly.
func TestCrashAfterAcknowledgement(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	for trial := range crashTrials() {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("trial%d.db", trial))
		acked := runAndKill(t, exe, path, n, n/2+trial%(n/2))
		q, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("trial %d: reopening after kill -9: %v", trial, err)
		}
		for id := range acked {
			if r, err := q.Put(Notice{DocumentID: id, EventID: "evt_" + id}); err != nil || r != Duplicate {
				t.Errorf("trial %d: acknowledged %s: Put again = %s, %v; want duplicate (stored before the kill)", trial, id, r, err)
			}
		}
		if s := q.Stats(); s.Depth < len(acked) {
			t.Errorf("trial %d: depth %d after restart, want at least the %d acknowledged", trial, s.Depth, len(acked))
		}
		q.Close()
	}
}

// runAndKill starts the child, sends n ids, and kills it once it has
// acknowledged killAt of them; it returns the acknowledged ids.
func runAndKill(t *testing.T, exe, path string, n, killAt int) map[string]bool {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "QUEUE_CRASH_CHILD="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		fmt.Fprintf(stdin, "doc_%03d\n", i)
	}
	acked := map[string]bool{}
	out := bufio.NewScanner(stdout)
	for len(acked) < killAt && out.Scan() {
		line := out.Text()
		id, ok := strings.CutPrefix(line, "ok ")
		if !ok {
			t.Fatalf("child: %s", line)
		}
		acked[id] = true
	}
	_ = cmd.Process.Kill() // SIGKILL: no deferred code, no Close
	_ = cmd.Wait()
	if len(acked) < killAt {
		t.Fatalf("child acknowledged %d of %d before it ended", len(acked), killAt)
	}
	return acked
}
