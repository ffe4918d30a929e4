package dynamics365

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// fakePart is one operation of a $batch request as the fake server saw it.
type fakePart struct {
	contentID string
	method    string
	url       string
	header    http.Header
	body      string
}

// fakeAnswer is the fake server's answer to one operation.
type fakeAnswer struct {
	contentID string
	status    int
	header    map[string]string
	body      string
}

// fakeDataverse is a minimal Dataverse for unit tests: EntityDefinitions,
// $filter queries answered from rows, WhoAmI, and $batch whose answers a
// test can script. The emulator (dataversetest) covers real behaviour.
type fakeDataverse struct {
	t        *testing.T
	mu       sync.Mutex
	entities map[string]entityInfo
	rows     map[string][]string // entity set → GUIDs every query returns
	// before runs first; returning true means it answered.
	before func(w http.ResponseWriter, r *http.Request) bool
	// batch answers a change set; nil answers every part with 201/200.
	batch    func(w http.ResponseWriter, parts []fakePart)
	requests []string
	batches  [][]fakePart
}

func newFakeDataverse(t *testing.T) *fakeDataverse {
	return &fakeDataverse{t: t, rows: map[string][]string{}, entities: map[string]entityInfo{
		"accounts":               {"accounts", "account", "accountid"},
		"new_vendorinvoices":     {"new_vendorinvoices", "new_vendorinvoice", "new_vendorinvoiceid"},
		"new_vendorinvoicelines": {"new_vendorinvoicelines", "new_vendorinvoiceline", "new_vendorinvoicelineid"},
	}}
}

func (f *fakeDataverse) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeDataverse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+strings.TrimPrefix(r.URL.RequestURI(), "/api/data/v9.2/"))
	w.Header().Set("x-ms-service-request-id", fmt.Sprintf("req-%d", len(f.requests)))
	f.mu.Unlock()
	if f.before != nil && f.before(w, r) {
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/data/v9.2/")
	switch {
	case path == "WhoAmI":
		writeJSON(w, 200, `{"UserId":"u1","BusinessUnitId":"b1","OrganizationId":"o1"}`)
	case path == "EntityDefinitions":
		f.entityDefinitions(w, r)
	case path == "$batch":
		f.serveBatch(w, r)
	case r.Method == http.MethodGet:
		f.query(w, path)
	default:
		writeJSON(w, 404, `{"error":{"code":"0x8006088a","message":"Resource not found for the segment '`+path+`'."}}`)
	}
}

func (f *fakeDataverse) entityDefinitions(w http.ResponseWriter, r *http.Request) {
	filter := r.URL.Query().Get("$filter")
	var out []entityInfo
	for _, e := range f.entities {
		if filter == "EntitySetName eq '"+e.EntitySetName+"'" {
			out = append(out, e)
		}
	}
	b, _ := json.Marshal(map[string]any{"value": out})
	writeJSON(w, 200, string(b))
}

func (f *fakeDataverse) query(w http.ResponseWriter, set string) {
	e, ok := f.entities[strings.SplitN(set, "(", 2)[0]]
	if !ok {
		writeJSON(w, 404, `{"error":{"code":"0x8006088a","message":"Resource not found for the segment '`+set+`'."}}`)
		return
	}
	f.mu.Lock()
	ids := f.rows[set]
	f.mu.Unlock()
	var rows []map[string]string
	for _, id := range ids {
		rows = append(rows, map[string]string{e.PrimaryIDAttribute: id})
	}
	b, _ := json.Marshal(map[string]any{"value": rows})
	writeJSON(w, 200, string(b))
}

func (f *fakeDataverse) serveBatch(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	parts, err := readBatchRequest(r.Header.Get("Content-Type"), body)
	if err != nil {
		f.t.Errorf("fake: bad $batch: %v", err)
		writeJSON(w, 400, `{"error":{"code":"0x80048d19","message":"bad batch"}}`)
		return
	}
	f.mu.Lock()
	f.batches = append(f.batches, parts)
	f.mu.Unlock()
	if f.batch != nil {
		f.batch(w, parts)
		return
	}
	var answers []fakeAnswer
	for _, p := range parts {
		answers = append(answers, f.success(p))
	}
	writeBatch(w, 200, true, answers)
}

// success answers p as Dataverse does with return=representation.
func (f *fakeDataverse) success(p fakePart) fakeAnswer {
	set := strings.TrimPrefix(p.url[strings.Index(p.url, "/api/data/v9.2/"):], "/api/data/v9.2/")
	set = strings.SplitN(strings.SplitN(set, "?", 2)[0], "(", 2)[0]
	id := guidFromEntityID(strings.SplitN(p.url, "?", 2)[0])
	status := 200
	if id == "" {
		id = uuid.NewSHA1(uuid.NameSpaceURL, []byte(p.url)).String()
		status = 201
	}
	return fakeAnswer{contentID: p.contentID, status: status,
		body: fmt.Sprintf(`{"%s":"%s"}`, f.entities[set].PrimaryIDAttribute, id)}
}

// readBatchRequest parses a $batch body into its operations.
func readBatchRequest(contentType string, body []byte) ([]fakePart, error) {
	if bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n"), nil), []byte("\n")) {
		return nil, fmt.Errorf("bare LF in $batch body")
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var out []fakePart
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		data, _ := io.ReadAll(p)
		if ct := p.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
			inner, err := readBatchRequest(ct, data)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		br := bufio.NewReader(bytes.NewReader(data))
		req, err := http.ReadRequest(br)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(br) // parts carry no Content-Length: the body runs to the boundary
		out = append(out, fakePart{contentID: p.Header.Get("Content-ID"), method: req.Method,
			url: req.RequestURI, header: req.Header, body: strings.TrimRight(string(b), "\r\n")})
	}
}

// writeBatch writes a $batch response; inChangeSet nests the answers in a
// change-set response as Dataverse does for a successful change set.
func writeBatch(w http.ResponseWriter, status int, inChangeSet bool, answers []fakeAnswer) {
	var b bytes.Buffer
	inner := &b
	var cs bytes.Buffer
	if inChangeSet {
		inner = &cs
	}
	for _, a := range answers {
		fmt.Fprintf(inner, "--changesetresponse_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n")
		if a.contentID != "" {
			fmt.Fprintf(inner, "Content-ID: %s\r\n", a.contentID)
		}
		fmt.Fprintf(inner, "\r\nHTTP/1.1 %d %s\r\n", a.status, http.StatusText(a.status))
		for k, v := range a.header {
			fmt.Fprintf(inner, "%s: %s\r\n", k, v)
		}
		if a.body != "" {
			fmt.Fprintf(inner, "Content-Type: application/json; odata.metadata=minimal\r\n")
		}
		fmt.Fprintf(inner, "\r\n%s\r\n", a.body)
	}
	out := b.Bytes()
	if inChangeSet {
		fmt.Fprintf(&cs, "--changesetresponse_1--\r\n")
		out = []byte("--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n" + cs.String() + "--batchresponse_1--\r\n")
	} else {
		out = bytes.ReplaceAll(out, []byte("changesetresponse_1"), []byte("batchresponse_1"))
		out = append(out, "--batchresponse_1--\r\n"...)
	}
	w.Header().Set("Content-Type", "multipart/mixed; boundary=batchresponse_1")
	w.WriteHeader(status)
	w.Write(out)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
