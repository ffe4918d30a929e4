package dynamics365

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
)

// partResponse is one operation's answer inside a $batch response.
type partResponse struct {
	contentID string
	status    int
	header    http.Header
	body      []byte
}

// parseBatchResponse reads a multipart/mixed $batch response, descending
// into change-set responses, and returns the operations' answers in order.
func parseBatchResponse(contentType string, body []byte) ([]partResponse, error) {
	items, err := parseBatchItems(contentType, body)
	return slices.Concat(items...), err
}

// parseBatchItems reads a multipart/mixed $batch response into its
// top-level items in order: a change-set response gives the answers of
// its operations, any other part one answer.
func parseBatchItems(contentType string, body []byte) ([][]partResponse, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, fmt.Errorf("dynamics365: $batch response is %q, want multipart/mixed", contentType)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var out [][]partResponse
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("dynamics365: reading $batch response: %w", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("dynamics365: reading $batch response part: %w", err)
		}
		if ct := p.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/") {
			inner, err := parseBatchResponse(ct, data)
			if err != nil {
				return nil, err
			}
			out = append(out, inner)
			continue
		}
		pr, err := parsePart(data)
		if err != nil {
			return nil, err
		}
		if id := p.Header.Get("Content-ID"); id != "" || pr.contentID == "" {
			pr.contentID = id
		}
		out = append(out, []partResponse{pr})
	}
}

// parsePart reads the HTTP response wrapped in an application/http part.
func parsePart(data []byte) (partResponse, error) {
	res, err := http.ReadResponse(bufio.NewReaderSize(bytes.NewReader(data), len(data)), nil)
	if err != nil {
		return partResponse{}, fmt.Errorf("dynamics365: malformed $batch response part: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 599 {
		// checkBatch treats every status below 400 as done: "HTTP/1.1 000"
		// in a garbled answer must not count as a write.
		return partResponse{}, fmt.Errorf("dynamics365: malformed $batch response part: status %d", res.StatusCode)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return partResponse{}, fmt.Errorf("dynamics365: reading $batch response part body: %w", err)
	}
	pr := partResponse{status: res.StatusCode, header: res.Header, body: bytes.TrimRight(body, "\r\n")}
	if id := res.Header.Get("Content-ID"); id != "" {
		pr.contentID = id
	}
	return pr, nil
}
