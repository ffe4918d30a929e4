package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numora/numora-connector/numora/webhook"
)

// webhookSecret is the shared secret of the serve tests.
const webhookSecret = "whsec_e2e_secret"

// serving is one serve process of a test.
type serving struct {
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:port
	queued int    // entries the queue held when serve started
	lines  chan string
	done   chan struct{} // closed at stderr's EOF
	stderr *strings.Builder
}

// startServe runs the binary's serve on a loopback port with e's
// environment, the queue file queue and the extra arguments, and waits
// until it listens.
func (e *e2e) startServe(t *testing.T, queue string, extra ...string) *serving {
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--queue", queue, "--log-format", "json"}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Dir = e.dir
	cmd.Env = append([]string{"NUMORA_WEBHOOK_SECRET=" + webhookSecret}, e.env...) // e.env may set another
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &serving{cmd: cmd, lines: make(chan string, 4096), done: make(chan struct{}), stderr: &strings.Builder{}}
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-s.done; _ = cmd.Wait() })
	go readLines(pipe, s.stderr, s.lines, s.done)
	for line := range s.lines {
		var l struct {
			Msg, Listen string
			Queued      int
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serving Numora notifications" {
			s.url, s.queued = "http://"+l.Listen, l.Queued
			return s
		}
	}
	t.Fatalf("serve did not start:\n%s", s.stderr)
	return nil
}

// stop sends SIGTERM and returns the exit code.
func (s *serving) stop(t *testing.T) int {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.done
	_ = s.cmd.Wait()
	return s.cmd.ProcessState.ExitCode()
}

// notify posts body, signed, to path and returns the status.
func (s *serving) notify(t *testing.T, path, body string) int {
	t.Helper()
	return s.notifySigned(t, path, body, "")
}

// notifySigned posts body to path with the signature header signature
// (empty: signed with the secret now) and returns the status.
func (s *serving) notifySigned(t *testing.T, path, body, signature string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(body))
	if signature == "" {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		signature = webhook.Sign(webhook.Scheme{}, []byte(webhookSecret), ts, []byte(body))
	}
	req.Header.Set(webhook.Header, signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func executorBody(id string) string { return `{"document_id":"` + id + `"}` }

func reviewedBody(event, id string) string {
	return `{"id":"` + event + `","type":"document.reviewed","data":{"document_id":"` + id + `"}}`
}

// awaitRecorded waits until every id has an accepted callback.
func (e *e2e) awaitRecorded(t *testing.T, s *serving, ids []string) {
	t.Helper()
	s.eventually(t, "a callback for every document", func() bool {
		for _, id := range ids {
			if len(e.accepted(id)) == 0 {
				return false
			}
		}
		return true
	})
}

// eventually polls cond until it holds, failing after a minute (a bound,
// not a synchronisation: the state is polled, never slept on).
func (s *serving) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("no %s after a minute; serve log:\n%s", what, s.stderr)
		case <-tick.C:
		}
	}
}

// ids lists the seeded documents' ids.
func (e *e2e) ids() []string {
	var out []string
	for _, d := range e.sb.docs {
		out = append(out, d.fixture.ID)
	}
	return out
}

// get fetches path and returns the body.
func (s *serving) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(s.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

func (s *serving) String() string { return fmt.Sprintf("serve at %s", s.url) }
