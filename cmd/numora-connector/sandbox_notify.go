package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/numora/numora-connector/numora"
	"github.com/numora/numora-connector/numora/numoratest"
	"github.com/numora/numora-connector/secret"
)

// sandboxNotifyTimeout bounds the wait for every document's callback.
const sandboxNotifyTimeout = 2 * time.Minute

// sandboxNotify runs serve against the emulators: the Numora emulator
// notifies it (dispatch → executor notify for half the documents, review →
// document.reviewed for the others), and the sandbox waits until Numora
// recorded an outcome for every document, then stops serve and reports.
func (a *app) sandboxNotify(ctx context.Context, base *config, log *slog.Logger, sb *sandbox, x extras) int {
	cfg := sb.config(base)
	key := rand.Text()
	cfg.Serve.Secrets = secret.New(key)
	cfg.Serve.Queue = filepath.Join(sb.dir, "queue.db")
	cfg.Serve.Listen = "127.0.0.1:0"
	ln, err := net.Listen("tcp", cfg.Serve.Listen)
	if err != nil {
		return a.fail("sandbox", err)
	}
	url := "http://" + ln.Addr().String()
	sb.numora.EnableNotify(numoratest.NotifyConfig{ExecutorURL: url + "/numora/executor",
		WebhookURL: url + "/numora/webhooks", Secret: []byte(key)})
	fmt.Fprintf(a.stdout, "Notify mode: serve listens on %s; the Numora emulator notifies it.\n", url)
	sctx, stop := context.WithCancel(ctx)
	served := make(chan int, 1)
	go func() { served <- a.serve(sctx, cfg, log, ln, x) }()
	start := time.Now()
	if err := a.notifyAll(ctx, cfg, log, sb); err != nil {
		stop()
		<-served
		return a.fail("sandbox", err)
	}
	waited := a.awaitOutcomes(ctx, sb)
	stop()
	if code := <-served; code != exitOK {
		return code
	}
	a.printNotifySummary(sb, time.Since(start), waited)
	return exitOK
}

// notifyAll dispatches even-numbered documents (executor notify) and
// reviews odd-numbered ones (document.reviewed).
func (a *app) notifyAll(ctx context.Context, cfg *config, log *slog.Logger, sb *sandbox) error {
	src, err := newNumora(cfg, log)
	if err != nil {
		return err
	}
	for i, d := range sb.docs {
		if i%2 == 0 {
			err = src.Dispatch(ctx, d.fixture.ID, cfg.Numora.Provider)
		} else {
			err = sb.numora.Review(d.fixture.ID)
		}
		if err != nil {
			return fmt.Errorf("notifying %s: %w", d.fixture.ID, err)
		}
	}
	return nil
}

// awaitOutcomes polls the emulator until every document has a recorded
// callback, ctx ends or the timeout passes; it reports whether all did.
func (a *app) awaitOutcomes(ctx context.Context, sb *sandbox) bool {
	deadline := time.Now().Add(sandboxNotifyTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		all := true
		for _, d := range sb.docs {
			if _, ok := sb.lastRecorded(d.fixture.ID); !ok {
				all = false
				break
			}
		}
		if all {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	return false
}

// printNotifySummary says what the emulator sent and how it was answered.
func (a *app) printNotifySummary(sb *sandbox, took time.Duration, complete bool) {
	sb.numora.WaitNotifications()
	kinds := map[string]int{}
	retried, refused := 0, 0
	for _, n := range sb.numora.Notifications() {
		kinds[n.Kind]++
		if n.Attempts > 1 {
			retried++
		}
		if !n.Delivered {
			refused++
		}
	}
	fmt.Fprintf(a.stdout, "\nNotifications: %d executor notifies, %d document.reviewed; %d retried, %d never accepted.\n",
		kinds["executor"], kinds["document.reviewed"], retried, refused)
	state := "every document has an outcome recorded in Numora"
	if !complete {
		state = "NOT every document has an outcome recorded in Numora"
	}
	fmt.Fprintf(a.stdout, "After %v %s.\n", took.Round(time.Millisecond), state)
	recorded := map[numora.DeliveryStatus]int{}
	for _, d := range sb.docs {
		if cb, ok := sb.lastRecorded(d.fixture.ID); ok {
			recorded[cb.Status]++
		}
	}
	fmt.Fprintf(a.stdout, "  seen %d · succeeded %d · skipped %d · failed %d · no outcome %d\n", len(sb.docs),
		recorded[numora.DeliverySucceeded], recorded[numora.DeliverySkipped], recorded[numora.DeliveryFailed],
		len(sb.docs)-recorded[numora.DeliverySucceeded]-recorded[numora.DeliverySkipped]-recorded[numora.DeliveryFailed])
}
