package logctx

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestHandlerAddsContextAttrs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil))).With("component", "test")
	ctx := With(context.Background(), slog.String("run_id", "r1"))
	ctx = With(ctx, slog.String("document_id", "doc_1"))
	log.InfoContext(ctx, "hello")
	log.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	for _, want := range []string{"component=test", "run_id=r1", "document_id=doc_1"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %q", lines[0], want)
		}
	}
	if strings.Contains(lines[1], "run_id") {
		t.Errorf("line without context carries context attrs: %q", lines[1])
	}
	Discard().Info("dropped")
}
