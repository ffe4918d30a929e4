package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/numora/numora-connector/numora"
)

// resultHelp says what --result wants.
const resultHelp = "the body of Numora's GET /v1/documents/{id}/result"

// renderFlags checks render's own flags, every problem at once.
func renderFlags(resultPath, format string) error {
	var p []string
	if resultPath == "" {
		p = append(p, "--result is required: a Numora result JSON file ("+resultHelp+")")
	}
	if format != "json" && format != "http" {
		p = append(p, fmt.Sprintf("--format %q: want json (the plan) or http (the Dataverse requests)", format))
	}
	if len(p) == 0 {
		return nil
	}
	return &usageError{msg: strings.Join(p, "; ")}
}

// readResult reads a Numora result, saying what is wrong with a file that
// is missing, unreadable, not JSON or not a result.
func readResult(path string) (*numora.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &usageError{msg: readProblem(path, err)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &usageError{msg: fmt.Sprintf("--result %s is empty; want %s", path, resultHelp)}
	}
	var res numora.Result
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, &usageError{msg: fmt.Sprintf("--result %s: %s; want %s", path, jsonProblem(data, err), resultHelp)}
	}
	if res.Schema == "" {
		return nil, &usageError{msg: fmt.Sprintf("--result %s has no \"schema\": it is not a Numora result (%s; an outbox item or a document is not one)",
			path, resultHelp)}
	}
	return &res, nil
}

// readProblem words a failure to read path.
func readProblem(path string, err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("--result %s: no such file", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("--result %s: permission denied", path)
	case errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "is a directory"):
		return fmt.Sprintf("--result %s is a directory; want a result JSON file", path)
	}
	return fmt.Sprintf("--result %s: %v", path, err)
}

// jsonProblem words a JSON decoding error with its line and column.
func jsonProblem(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Offset >= int64(len(data)):
		return "not JSON: it ends early (cut short?)"
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset)
		return fmt.Sprintf("not JSON (line %d, column %d: %s)", line, col, syn.Error())
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("not a Numora result (%q is a JSON %s, want %s)", typ.Field, typ.Value, typ.Type)
	case errors.As(err, &typ):
		return fmt.Sprintf("not a Numora result (a JSON %s, want an object)", typ.Value)
	}
	return "not a Numora result (" + err.Error() + ")"
}

// lineCol converts a byte offset (just past the error) to a 1-based line
// and column.
func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off-1, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	return line, int(off) - bytes.LastIndexByte(before, '\n')
}
