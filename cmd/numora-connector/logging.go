package main

import (
	"io"
	"log/slog"
	"sync"

	"github.com/numora/numora-connector/internal/logctx"
)

var levels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

// logger builds the process logger on stderr: text on a terminal (or with
// --log-format text), JSON otherwise; logctx carries run_id and
// document_id onto every line.
func (a *app) logger(cfg *config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: levels[cfg.Log.Level]}
	w := a.errWriter()
	var h slog.Handler
	if a.textLogs(cfg) {
		h = slog.NewTextHandler(w, opts)
	} else {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(logctx.NewHandler(h))
}

// textLogs reports whether logs are text (for people) rather than JSON.
func (a *app) textLogs(cfg *config) bool {
	return cfg.Log.Format == "text" || (cfg.Log.Format == "auto" && a.stderrTTY)
}

// errWriter is stderr; on a terminal it is shared with the progress line,
// which it clears before each write and redraws after.
func (a *app) errWriter() io.Writer {
	if !a.stderrTTY {
		return a.stderr
	}
	if a.line == nil {
		a.line = &statusLine{w: a.stderr}
	}
	return a.line
}

// statusLine is a terminal writer with one redrawable status line at the
// bottom.
type statusLine struct {
	mu   sync.Mutex
	w    io.Writer
	line string
}

const clearLine = "\r\x1b[K"

// Write prints p above the status line.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.line != "" {
		_, _ = io.WriteString(s.w, clearLine)
	}
	n, err := s.w.Write(p)
	if s.line != "" {
		_, _ = io.WriteString(s.w, s.line)
	}
	return n, err
}

// set replaces the status line ("" removes it).
func (s *statusLine) set(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = io.WriteString(s.w, clearLine+line)
	s.line = line
}
