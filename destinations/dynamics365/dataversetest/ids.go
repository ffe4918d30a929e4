package dataversetest

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// idGen makes GUIDs from a seeded generator, so a sequential test sees the
// same row ids on every run.
type idGen struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newIDGen(seed int64) *idGen {
	return &idGen{r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

// guid returns a version-4-shaped GUID in lowercase canonical form.
func (g *idGen) guid() string {
	var b [16]byte
	g.mu.Lock()
	for i := 0; i < 16; i += 8 {
		v := g.r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	g.mu.Unlock()
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

func formatGUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// newRandomGUID is for trace and request ids, which need no determinism.
func newRandomGUID() string { return uuid.NewString() }

// stableGUID derives a fixed GUID from a name (metadata ids).
func stableGUID(kind, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte("dataversetest:"+kind+":"+name)).String()
}

// parseGUID returns the canonical lowercase form of s, or false.
func parseGUID(s string) (string, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", false
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return strings.ToLower(u.String()), true
}
