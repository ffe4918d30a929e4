// Package logctx carries log attributes in a context, so that every line a
// client logs about a document carries that document's id and the run id
// without the client knowing either: the connector adds them with With, and
// Handler copies them onto each record logged with a ...Context method.
package logctx

import (
	"context"
	"log/slog"
)

type key struct{}

// With returns a copy of ctx that adds attrs to every record logged with it
// through a Handler. Attributes already in ctx are kept.
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(key{}).([]slog.Attr)
	all := make([]slog.Attr, 0, len(prev)+len(attrs))
	all = append(append(all, prev...), attrs...)
	return context.WithValue(ctx, key{}, all)
}

// Attrs returns the attributes With stored in ctx.
func Attrs(ctx context.Context) []slog.Attr {
	a, _ := ctx.Value(key{}).([]slog.Attr)
	return a
}

// Handler wraps another slog.Handler and adds the context's attributes to
// each record.
type Handler struct{ slog.Handler }

// NewHandler wraps h.
func NewHandler(h slog.Handler) *Handler { return &Handler{Handler: h} }

// Handle adds Attrs(ctx) to r and passes it on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if a := Attrs(ctx); len(a) > 0 {
		r = r.Clone()
		r.AddAttrs(a...)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Handler{Handler: h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{Handler: h.Handler.WithGroup(name)}
}

// Discard returns a logger that drops everything; clients use it when no
// logger is configured.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
