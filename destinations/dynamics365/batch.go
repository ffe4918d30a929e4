package dynamics365

import (
	"bytes"
	"net/http"
	"slices"
)

// part is one operation of a change set.
type part struct {
	contentID string
	method    string
	url       string // absolute
	header    http.Header
	body      []byte
}

// changeSet is an atomic group of operations: Dataverse applies all of
// them or none. One document's records make one change set.
type changeSet struct {
	boundary string
	parts    []part
}

// batch is the body of one $batch request. It holds one change set per
// document; several documents' change sets can share a batch as long as
// their parts' Content-IDs are unique across the batch (give each change
// set's records a distinct offset) and the batch stays within 1,000
// operations.
type batch struct {
	boundary   string
	changeSets []changeSet
}

// contentType is the $batch request's Content-Type.
func (b *batch) contentType() string { return "multipart/mixed; boundary=" + b.boundary }

// size returns the number of operations.
func (b *batch) size() int {
	n := 0
	for _, cs := range b.changeSets {
		n += len(cs.parts)
	}
	return n
}

// encode renders the multipart body, CRLF line endings throughout (LF-only
// bodies are refused by Dataverse).
func (b *batch) encode() []byte {
	var w bytes.Buffer
	n := 128
	for _, cs := range b.changeSets {
		for _, p := range cs.parts {
			n += len(p.body) + len(p.url) + 256
		}
	}
	w.Grow(n)
	line := func(s ...string) {
		for _, x := range s {
			w.WriteString(x)
		}
		w.WriteString("\r\n")
	}
	for _, cs := range b.changeSets {
		line("--", b.boundary)
		line("Content-Type: multipart/mixed; boundary=", cs.boundary)
		line()
		for _, p := range cs.parts {
			line("--", cs.boundary)
			line("Content-Type: application/http")
			line("Content-Transfer-Encoding: binary")
			line("Content-ID: ", p.contentID)
			line()
			line(p.method, " ", p.url, " HTTP/1.1")
			for _, k := range headerOrder(p.header) {
				for _, v := range p.header[k] {
					line(k, ": ", v)
				}
			}
			line()
			w.Write(p.body)
			line()
		}
		line("--", cs.boundary, "--")
	}
	line("--", b.boundary, "--")
	return w.Bytes()
}

// headerOrder lists Content-Type first, then the other keys sorted, so the
// encoding is deterministic.
func headerOrder(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		if k != "Content-Type" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := h["Content-Type"]; ok {
		keys = append([]string{"Content-Type"}, keys...)
	}
	return keys
}
