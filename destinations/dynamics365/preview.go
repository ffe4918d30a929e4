package dynamics365

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/numora/numora-connector/mapping"
)

// Preview writes the requests Deliver would send for plan, sending none:
// the queries that run first (lookups, and alternate keys Dataverse refuses
// in a URL) as GETs, then the $batch request with its change set, headers
// (Authorization left out) and CRLF body exactly as sent. Query answers
// appear as "<GUID from query N>". Table metadata already loaded is used;
// for other tables the primary id column is guessed by Dataverse's naming
// convention and a comment says so. Boundaries derive from the document id,
// so the preview of a plan is reproducible; Deliver uses random ones.
func (d *Destination) Preview(ctx context.Context, plan *mapping.Plan, out io.Writer) error {
	w, err := d.prepare(ctx, plan, true)
	if err != nil {
		return classify(err)
	}
	return d.writePreview(out, plan, w)
}

// writePreview writes the requests of a prepared write.
func (d *Destination) writePreview(out io.Writer, plan *mapping.Plan, w *docWrite) error {
	seed := uuid.NewSHA1(uuid.NameSpaceURL, []byte("numora-connector/preview/"+plan.DocumentID))
	cs, err := w.changeSet("changeset_" + uuid.NewSHA1(seed, []byte("changeset")).String())
	if err != nil {
		return classify(err)
	}
	b := &batch{boundary: "batch_" + seed.String(), changeSets: []changeSet{cs}}
	bw := bufio.NewWriter(out)
	fmt.Fprintf(bw, "# Dataverse requests for document %s (%s): %d records, one change set. Nothing is sent.\n",
		plan.DocumentID, plan.Schema, len(plan.Records))
	d.previewGuesses(bw, plan)
	for i, q := range w.queries {
		fmt.Fprintf(bw, "\n# Query %d: %s\n", i+1, q.label)
		d.writeRequest(bw, &request{method: http.MethodGet, url: q.url})
	}
	if p := w.pickProbe(); p != nil && len(plan.Mirror) > 0 && !isMirrorItem(plan) && !mirrorRead(w) {
		fmt.Fprintf(bw, "\n# The query and the removals happen only for a document written before: a first delivery sends the\n"+
			"# change set without them, with If-None-Match: * on %s, which answers 412 if it exists.\n", recordLabel(p.rec))
	}
	fmt.Fprintf(bw, "\n# The change set: all %d operations succeed or none is applied.\n", b.size())
	d.writeRequest(bw, &request{method: http.MethodPost, url: d.base + "$batch",
		header: http.Header{"Content-Type": {b.contentType()}}, body: b.encode()})
	return bw.Flush()
}

// mirrorRead reports whether the mirror queries were run (a rehearsal).
func mirrorRead(w *docWrite) bool {
	for _, q := range w.queries {
		if q.read {
			return true
		}
	}
	return false
}

// previewGuesses notes the tables whose metadata was guessed.
func (d *Destination) previewGuesses(w io.Writer, plan *mapping.Plan) {
	var sets []string
	for _, r := range plan.Records {
		sets = append(sets, r.Entity)
		for _, b := range r.Binds {
			if b.Lookup != nil {
				sets = append(sets, b.Lookup.Entity)
			}
		}
	}
	slices.Sort(sets)
	for _, s := range slices.Compact(sets) {
		if _, ok := d.entities.peek(s); !ok {
			g := guessEntity(s)
			fmt.Fprintf(w, "# Metadata for %s not loaded: assuming logical name %s, primary id column %s.\n", s, g.LogicalName, g.PrimaryIDAttribute)
		}
	}
}

// writeRequest prints a request line, headers in sorted order and body.
func (d *Destination) writeRequest(w io.Writer, req *request) {
	fmt.Fprintf(w, "%s %s HTTP/1.1\n", req.method, req.url)
	h := d.headers(req)
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	if len(req.body) > 0 {
		fmt.Fprintf(w, "\n%s", req.body)
	}
}
