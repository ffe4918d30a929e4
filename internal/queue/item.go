package queue

import (
	"encoding/json"
	"fmt"
	"time"
)

// Item is one document waiting for delivery.
type Item struct {
	// DocumentID is the document to deliver.
	DocumentID string `json:"-"`
	// Gen counts the notifications merged into the entry; Done removes the
	// entry only if no newer one arrived.
	Gen uint64 `json:"gen"`
	// Received is when the entry was created: the oldest notification
	// still waiting for this document.
	Received time.Time `json:"received"`
	// First is the Gen the entry was created with: among entries received
	// at the same instant, the one stored first is delivered first.
	First uint64 `json:"first,omitempty"`
	// NotBefore is when a retried entry is ready again.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Attempts counts the failed attempts Retry recorded.
	Attempts int `json:"attempts,omitempty"`
	// Source is the kind of the last notification ("executor",
	// "document.reviewed", "reconcile", …), for logs.
	Source string `json:"source,omitempty"`
}

// before reports whether it was received before o: by time, then, for the
// same instant (a coarse or frozen clock), by the order they were stored.
func (it *Item) before(o *Item) bool {
	if !it.Received.Equal(o.Received) {
		return it.Received.Before(o.Received)
	}
	return it.First < o.First
}

func decodeItem(k, v []byte) (*Item, error) {
	var it Item
	if err := json.Unmarshal(v, &it); err != nil {
		return nil, fmt.Errorf("queue: entry %q: %w", k, err)
	}
	it.DocumentID = string(k)
	return &it, nil
}

func (it *Item) encode() []byte {
	b, _ := json.Marshal(it) // a struct of plain fields always encodes
	return b
}
