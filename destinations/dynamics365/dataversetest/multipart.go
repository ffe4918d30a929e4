package dataversetest

import (
	"bytes"
	"errors"
	"net/http"
	"net/textproto"
	"strings"
)

// errLF marks a batch body with LF-only line endings; errMalformed any
// other structural problem.
var (
	errLF        = errors.New("stream was not readable")
	errMalformed = errors.New("malformed multipart body")
)

// splitMultipart returns the parts between "--boundary" delimiters. Line
// endings must be CRLF, as Dataverse requires.
func splitMultipart(body []byte, boundary string) ([][]byte, error) {
	delim := []byte("--" + boundary)
	i := bytes.Index(body, delim)
	if i < 0 {
		return nil, errMalformed
	}
	pos := i + len(delim)
	var parts [][]byte
	for {
		rest := bytes.TrimLeft(body[pos:], " \t")
		pos = len(body) - len(rest)
		switch {
		case bytes.HasPrefix(rest, []byte("--")):
			return parts, nil
		case bytes.HasPrefix(rest, []byte("\r\n")):
			pos += 2
		case bytes.HasPrefix(rest, []byte("\n")):
			return nil, errLF
		default:
			return nil, errMalformed
		}
		j := bytes.Index(body[pos:], append([]byte("\r\n"), delim...))
		if j < 0 {
			if bytes.Contains(body[pos:], append([]byte("\n"), delim...)) {
				return nil, errLF
			}
			return nil, errMalformed
		}
		parts = append(parts, body[pos:pos+j])
		pos += j + 2 + len(delim)
	}
}

// splitHeaders parses a header block ending in a blank line (or at the end
// of b) and returns the headers and what follows.
func splitHeaders(b []byte) (http.Header, []byte, error) {
	var block, rest []byte
	switch i := bytes.Index(b, []byte("\r\n\r\n")); {
	case bytes.HasPrefix(b, []byte("\r\n")):
		block, rest = nil, b[2:]
	case i >= 0:
		block, rest = b[:i], b[i+4:]
	default:
		block = bytes.TrimSuffix(b, []byte("\r\n"))
	}
	if hasBareLF(block) {
		return nil, nil, errLF
	}
	h := http.Header{}
	for _, line := range strings.Split(string(block), "\r\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, nil, errMalformed
		}
		h.Add(textproto.TrimString(k), textproto.TrimString(v))
	}
	return h, rest, nil
}

// hasBareLF reports a '\n' not preceded by '\r'.
func hasBareLF(b []byte) bool {
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return true
		}
	}
	return false
}

// parseHTTPPart reads an application/http part's embedded request:
// request line, headers, body.
func parseHTTPPart(content []byte) (method, url string, h http.Header, body []byte, err error) {
	line, rest, found := bytes.Cut(content, []byte("\r\n"))
	if !found || hasBareLF(line) {
		if bytes.Contains(content, []byte("\n")) {
			return "", "", nil, nil, errLF
		}
		return "", "", nil, nil, errMalformed
	}
	fields := strings.Fields(string(line))
	if len(fields) < 2 {
		return "", "", nil, nil, errMalformed
	}
	h, body, err = splitHeaders(rest)
	if err != nil {
		return "", "", nil, nil, err
	}
	return fields[0], fields[1], h, bytes.TrimRight(body, "\r\n"), nil
}
