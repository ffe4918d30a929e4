package dataversetest

import (
	"fmt"
	"strings"
)

// batchPart is one operation for batchBody.
type batchPart struct {
	method, url, body string
	contentID         string
	headers           []string
}

// batchBody builds a $batch body: each element of groups is either one
// operation (a group of one outside a change set when changeSet is false)
// or a change set.
type batchGroup struct {
	changeSet bool
	parts     []batchPart
}

func batchBody(boundary string, groups ...batchGroup) string {
	var b strings.Builder
	for gi, g := range groups {
		if !g.changeSet {
			for _, p := range g.parts {
				fmt.Fprintf(&b, "--%s\r\n", boundary)
				writeTestPart(&b, p)
			}
			continue
		}
		cs := fmt.Sprintf("changeset_%d", gi)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n", boundary, cs)
		for _, p := range g.parts {
			fmt.Fprintf(&b, "--%s\r\n", cs)
			writeTestPart(&b, p)
		}
		fmt.Fprintf(&b, "--%s--\r\n", cs)
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.String()
}

func writeTestPart(b *strings.Builder, p batchPart) {
	b.WriteString("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n")
	if p.contentID != "" {
		fmt.Fprintf(b, "Content-ID: %s\r\n", p.contentID)
	}
	fmt.Fprintf(b, "\r\n%s %s HTTP/1.1\r\n", p.method, p.url)
	if p.body != "" {
		b.WriteString("Content-Type: application/json; type=entry\r\n")
	}
	for i := 0; i+1 < len(p.headers); i += 2 {
		fmt.Fprintf(b, "%s: %s\r\n", p.headers[i], p.headers[i+1])
	}
	b.WriteString("\r\n")
	b.WriteString(p.body)
	b.WriteString("\r\n")
}
