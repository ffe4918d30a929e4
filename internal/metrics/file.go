package metrics

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/common/expfmt"

	"github.com/numora/numora-connector/connector"
)

// WriteFile writes every metric in Prometheus's text format to path,
// atomically: a temporary file in the same directory, synced, then renamed
// over path, so node_exporter's textfile collector never reads half a
// file. The directory must exist.
func (m *Metrics) WriteFile(path string) error {
	mfs, err := m.reg.Gather()
	if err != nil {
		return fmt.Errorf("metrics: gathering: %w", err)
	}
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	defer os.Remove(f.Name()) // a no-op after the rename
	enc := expfmt.NewEncoder(f, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			f.Close()
			return fmt.Errorf("metrics: writing %s: %w", path, err)
		}
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("metrics: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("metrics: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// FileWriter is a connector.Observer that writes m to path when each run
// finishes. Err returns the last write's error.
type FileWriter struct {
	*Metrics
	path  string
	err   error
	onErr func(error)
}

// NewFileWriter returns an observer writing m to path after every run;
// onErr, when not nil, is told of a failed write.
func NewFileWriter(m *Metrics, path string, onErr func(error)) *FileWriter {
	return &FileWriter{Metrics: m, path: path, onErr: onErr}
}

// Finish records the run, then writes the file.
func (w *FileWriter) Finish(s *connector.Summary) {
	w.Metrics.Finish(s)
	w.err = w.WriteFile(w.path)
	if w.err != nil && w.onErr != nil {
		w.onErr(w.err)
	}
}

// Err is the last write's error, or nil.
func (w *FileWriter) Err() error { return w.err }
