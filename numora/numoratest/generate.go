package numoratest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/numora/numora-connector/numora"
)

// genRef identifies a generated document: its result is rebuilt from the
// seed and index on every read, so 50,000 documents cost only their headers.
type genRef struct {
	ok    bool
	seed  int64
	index int
	dupOf int // index of the document this one duplicates, or -1
	// uniform marks a GenerateInvoices document with lines line items.
	uniform bool
	lines   int
}

// Generate adds n generated documents for seed: mostly invoice_v2 (about
// 83%), some receipt_v1 (10%) and contract_v1 (7%); 95% reviewed and 5%
// push_failed, so all of them are in the outbox. About 4% of invoices
// duplicate an earlier invoice (duplicate_of set, same fields). The same
// (n, seed) gives the same documents, ids included; documents whose id
// already exists are left alone, so Generate(n, seed) twice adds nothing
// the second time.
func (s *Server) Generate(n int, seed int64) {
	docs := make([]*doc, 0, n)
	for i := range n {
		docs = append(docs, generateDoc(seed, i))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range docs {
		if s.byID[d.id] == nil {
			s.insert(d)
		}
	}
}

// uniformSalt turns a GenerateInvoices seed into its streams' seed, so its
// documents' ids differ from Generate's for the same seed.
const uniformSalt = 0x696e766f69636573

// GenerateInvoices adds n invoice_v2 documents for seed, each with exactly
// lines line items: a uniform load for benchmarks. Every one is deliverable
// with the default mapping rules: a known vendor, confidences of 0.86 or
// more, no duplicates, status reviewed or push_failed. Their ids differ
// from Generate's, and their invoice numbers have six digits
// ("INV-2026-000042") where Generate's have five, so both kinds can share
// a server and a Dataverse. The same (n, seed, lines) gives the same
// documents; existing ids are left alone. Results are rebuilt on every
// read, as for Generate.
func (s *Server) GenerateInvoices(n int, seed int64, lines int) {
	lines = max(lines, 0)
	docs := make([]*doc, 0, n)
	for i := range n {
		docs = append(docs, generateInvoiceDoc(seed^uniformSalt, i, lines))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range docs {
		if s.byID[d.id] == nil {
			s.insert(d)
		}
	}
}

// generateInvoiceDoc builds the header of uniform invoice i; seed is
// already salted.
func generateInvoiceDoc(seed int64, i, lines int) *doc {
	r := stream(seed, i, 0)
	d := &doc{id: docID(seed, i), schema: "invoice_v2", status: numora.StatusReviewed,
		gen: genRef{ok: true, seed: seed, index: i, dupOf: -1, uniform: true, lines: lines}}
	if r.IntN(100) < 5 {
		d.status = numora.StatusPushFailed
	}
	d.metadata = metadatas[r.IntN(len(metadatas))]
	d.createdAt = genEpoch.Add(time.Duration(i)*41*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
	d.updatedAt = d.createdAt.Add(time.Duration(5+r.IntN(600)) * time.Minute)
	return d
}

// insert appends d. The caller holds the lock.
func (s *Server) insert(d *doc) {
	d.seq = len(s.docs)
	s.docs = append(s.docs, d)
	s.byID[d.id] = d
}

// streams of a generated document: header, body and id.
func stream(seed int64, i, which int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^0x9e3779b97f4a7c15, uint64(i)*3+uint64(which)))
}

// schemaOf is the first draw of a document's header stream.
func schemaOf(r *rand.Rand) string {
	switch p := r.IntN(100); {
	case p < 83:
		return "invoice_v2"
	case p < 93:
		return "receipt_v1"
	default:
		return "contract_v1"
	}
}

// metadatas are shared (never modified) metadata values.
var metadatas = []json.RawMessage{[]byte(`{}`), []byte(`{"source":"email"}`),
	[]byte(`{"source":"upload","department":"finance"}`)}

// genEpoch is the creation time of generated document 0.
var genEpoch = time.Date(2026, 3, 20, 8, 0, 0, 0, time.UTC)

// generateDoc builds the header of generated document i.
func generateDoc(seed int64, i int) *doc {
	r := stream(seed, i, 0)
	d := &doc{id: docID(seed, i), schema: schemaOf(r), status: numora.StatusReviewed,
		gen: genRef{ok: true, seed: seed, index: i, dupOf: -1}}
	if r.IntN(100) < 5 {
		d.status = numora.StatusPushFailed
	}
	if r.IntN(100) < 30 {
		id := fmt.Sprintf("erp-%06d", r.IntN(1000000))
		d.externalID = &id
	}
	d.metadata = metadatas[r.IntN(len(metadatas))]
	d.createdAt = genEpoch.Add(time.Duration(i)*41*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
	d.updatedAt = d.createdAt.Add(time.Duration(5+r.IntN(600)) * time.Minute)
	if dup := r.IntN(100); d.schema == "invoice_v2" && i > 0 && dup < 4 {
		j := r.IntN(i)
		if schemaOf(stream(seed, j, 0)) == "invoice_v2" {
			d.gen.dupOf = j
			orig := docID(seed, j)
			d.duplicateOf = &orig
		}
	}
	return d
}

// idAlphabet is the lower-case ULID alphabet.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// docID is generated document i's id, ULID-like: "doc_01j...".
func docID(seed int64, i int) string {
	r := stream(seed, i, 2)
	return "doc_01j" + randomString(r, 23)
}

// randomID returns 26 ULID characters from r.
func randomID(r *rand.Rand) string { return randomString(r, 26) }

func randomString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[r.IntN(len(idAlphabet))]
	}
	return string(b)
}

// generateResult rebuilds a generated document's result; a duplicate gets
// its original's content.
func generateResult(g genRef) *numora.Result {
	if g.dupOf >= 0 {
		orig := generateDoc(g.seed, g.dupOf)
		return generateResult(orig.gen)
	}
	b := &builder{r: stream(g.seed, g.index, 1), fields: map[string]numora.Field{}, uniform: g.uniform, lines: g.lines}
	if g.uniform {
		b.invoice(g.index)
		return b.result()
	}
	switch schemaOf(stream(g.seed, g.index, 0)) {
	case "invoice_v2":
		b.invoice(g.index)
	case "receipt_v1":
		b.receipt()
	default:
		b.contract(g.index)
	}
	return b.result()
}
