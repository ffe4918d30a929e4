package dataversetest

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"
)

// maxBatchOps is Dataverse's limit of operations per $batch and per
// change set.
const maxBatchOps = 1000

// batchItem is a top-level part: one operation or a change set.
type batchItem struct {
	op        *operation
	changeSet []*operation
}

// batch serves POST $batch (dataverse.md §6). It returns the response and
// the number of operations executed.
func (s *Server) batch(r *http.Request, body []byte, entry *Request) (*response, int) {
	if r.Method != http.MethodPost {
		return methodNotAllowed(r.Method), 1
	}
	items, bad := s.parseBatch(r.Header.Get("Content-Type"), body, entry.User)
	if bad != nil {
		return bad, 1
	}
	for _, it := range items {
		entry.Ops += max(len(it.changeSet), 1)
	}
	if entry.Ops > maxBatchOps {
		return payloadError("", fmt.Sprintf("The number of operations in the batch exceeds the limit of %d.", maxBatchOps)), 1
	}
	return s.runBatch(items, entry, parsePrefer(r.Header).continueOnError)
}

// runBatch executes the items in order and renders the response.
func (s *Server) runBatch(items []batchItem, entry *Request, cont bool) (*response, int) {
	w := newBatchWriter()
	status, ran, stop := http.StatusOK, 0, false
	for i, it := range items {
		var failed *response
		if it.op != nil {
			resp := s.execute(it.op, nil, nil)
			s.logOp(entry, it.op, 0, resp)
			w.part(it.op.contentID, resp)
			ran++
			if resp.failed {
				failed = resp
			}
		} else {
			resps, fail, n := s.changeSet(entry, i+1, it.changeSet)
			ran += n
			if fail != nil {
				id := it.changeSet[n-1].contentID
				if s.cfg.ErrorPartWithoutContentID {
					id = ""
				}
				w.part(id, fail)
				failed = fail
				stop = s.cfg.StopAtFailedChangeSet
			} else {
				w.changeSet(it.changeSet, resps)
			}
		}
		if failed != nil && (!cont || stop) {
			status = failed.status
			break
		}
	}
	return w.finish(status), max(ran, 1)
}

// changeSet runs ops atomically: any failure rolls back the whole set.
// It returns the responses, or the failing one and how many ran.
func (s *Server) changeSet(entry *Request, index int, ops []*operation) ([]*response, *response, int) {
	x := s.store.begin()
	refs := map[string]string{}
	resps := make([]*response, 0, len(ops))
	for i, op := range ops {
		resp := s.execute(op, x, refs)
		s.logOp(entry, op, index, resp)
		if resp.failed {
			x.rollback()
			return nil, resp, i + 1
		}
		if op.contentID != "" && resp.entityURL != "" {
			refs[op.contentID] = resp.entityURL
			if op.prefer.representation {
				// "$n" stands for the OData-EntityId of part n, which a
				// write with return=representation does not send.
				refs[op.contentID] = ""
			}
		}
		resps = append(resps, resp)
	}
	x.commit()
	return resps, nil, len(ops)
}

func (s *Server) logOp(entry *Request, op *operation, changeSet int, resp *response) {
	path, _ := splitQuery(op.path)
	req := Request{Seq: s.log.nextSeq(), Time: entry.Time, Method: op.method, URL: op.url, Path: path,
		User: entry.User, Status: resp.status, Code: resp.errCode,
		InBatch: true, Batch: entry.Seq, ChangeSet: changeSet, ContentID: op.contentID}
	if s.cfg.RequestLog > 0 {
		req.Header, req.Body = op.header, string(op.body)
	}
	s.log.add(req)
}

// parseBatch splits a $batch body into items.
func (s *Server) parseBatch(contentType string, body []byte, user string) ([]batchItem, *response) {
	boundary, bad := multipartBoundary(contentType)
	if bad != nil {
		return nil, bad
	}
	parts, err := splitMultipart(body, boundary)
	if err != nil {
		return nil, batchError(err)
	}
	items := make([]batchItem, 0, len(parts))
	for _, p := range parts {
		h, content, err := splitHeaders(p)
		if err != nil {
			return nil, batchError(err)
		}
		if strings.HasPrefix(h.Get("Content-Type"), "multipart/mixed") {
			ops, bad := s.parseChangeSet(h.Get("Content-Type"), content, user)
			if bad != nil {
				return nil, bad
			}
			items = append(items, batchItem{changeSet: ops})
			continue
		}
		op, bad := parseBatchOp(h, content, user)
		if bad != nil {
			return nil, bad
		}
		items = append(items, batchItem{op: op})
	}
	return items, nil
}

func (s *Server) parseChangeSet(contentType string, body []byte, user string) ([]*operation, *response) {
	boundary, bad := multipartBoundary(contentType)
	if bad != nil {
		return nil, bad
	}
	parts, err := splitMultipart(body, boundary)
	if err != nil {
		return nil, batchError(err)
	}
	if len(parts) > maxBatchOps {
		return nil, payloadError("", fmt.Sprintf("A maximum number of '%d' operations are allowed in a change set.", maxBatchOps))
	}
	ops := make([]*operation, 0, len(parts))
	for _, p := range parts {
		h, content, err := splitHeaders(p)
		if err != nil {
			return nil, batchError(err)
		}
		if strings.HasPrefix(h.Get("Content-Type"), "multipart/") {
			return nil, payloadError("", "Nested change sets in a batch payload are not supported.")
		}
		op, bad := parseBatchOp(h, content, user)
		if bad != nil {
			return nil, bad
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// parseBatchOp reads one application/http part.
func parseBatchOp(partHeader http.Header, content []byte, user string) (*operation, *response) {
	method, url, h, body, err := parseHTTPPart(content)
	if err != nil {
		return nil, batchError(err)
	}
	op, bad := newOperation(method, url, h, body)
	if bad != nil {
		return nil, bad
	}
	op.contentID = partHeader.Get("Content-ID")
	if op.contentID == "" {
		op.contentID = h.Get("Content-ID")
	}
	op.inBatch, op.user = true, user
	return op, nil
}

func multipartBoundary(contentType string) (string, *response) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/mixed" || params["boundary"] == "" {
		return "", errorf(http.StatusBadRequest, "0x0",
			"The content type '%s' is not valid for a batch request; use multipart/mixed with a boundary.", contentType)
	}
	return params["boundary"], nil
}

func batchError(err error) *response {
	if err == errLF {
		return payloadError("", "Stream was not readable.")
	}
	return payloadError("", "The batch request body is not a valid multipart/mixed message.")
}

// batchWriter renders a multipart/mixed batch response with CRLF line
// endings and batchresponse_/changesetresponse_ boundaries.
type batchWriter struct {
	boundary string
	buf      bytes.Buffer
}

func newBatchWriter() *batchWriter {
	return &batchWriter{boundary: "batchresponse_" + newRandomGUID()}
}

// part writes one application/http response part.
func (w *batchWriter) part(contentID string, resp *response) {
	fmt.Fprintf(&w.buf, "--%s\r\n", w.boundary)
	writeHTTPPart(&w.buf, contentID, resp)
}

func (w *batchWriter) changeSet(ops []*operation, resps []*response) {
	cs := "changesetresponse_" + newRandomGUID()
	fmt.Fprintf(&w.buf, "--%s\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n", w.boundary, cs)
	for i, resp := range resps {
		fmt.Fprintf(&w.buf, "--%s\r\n", cs)
		writeHTTPPart(&w.buf, ops[i].contentID, resp)
	}
	fmt.Fprintf(&w.buf, "--%s--\r\n", cs)
}

func (w *batchWriter) finish(status int) *response {
	fmt.Fprintf(&w.buf, "--%s--\r\n", w.boundary)
	h := http.Header{}
	h.Set("Content-Type", "multipart/mixed; boundary="+w.boundary)
	return &response{status: status, header: h, body: w.buf.Bytes()}
}

// writeHTTPPart writes the part headers and the embedded HTTP response.
func writeHTTPPart(buf *bytes.Buffer, contentID string, resp *response) {
	buf.WriteString("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n")
	if contentID != "" {
		fmt.Fprintf(buf, "Content-ID: %s\r\n", contentID)
	}
	fmt.Fprintf(buf, "\r\nHTTP/1.1 %d %s\r\n", resp.status, http.StatusText(resp.status))
	h := resp.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if resp.failed {
		h.Set("REQ_ID", newRandomGUID())
	}
	if id := h.Get("OData-EntityId"); id != "" && resp.status == http.StatusNoContent {
		h.Set("Location", id)
	}
	h.Set("OData-Version", "4.0")
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(buf, "%s: %s\r\n", wireName(k), v)
		}
	}
	buf.WriteString("\r\n")
	buf.Write(resp.body)
	buf.WriteString("\r\n")
}
