package connector

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewRunID returns a fresh run id: "run-" + the UTC start time + 8 random
// hex digits, e.g. "run-20260324T030000Z-1f3a9c0d". It sorts by time and is
// unique across processes started in the same second.
func NewRunID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "run-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
