package dataversetest

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// store holds the rows of every table. Reads take mu.RLock; each write
// (a request, or a whole change set) takes mu.Lock through a tx. No lock is
// ever held while the server sleeps.
type store struct {
	mu      sync.RWMutex
	tables  map[string]*tableData // by entity set
	version int64                 // last row version (the ETag source)
}

// tableData is one table's rows and alternate-key indexes.
type tableData struct {
	def  *tableDef
	rows map[string]*row // by lowercase GUID
	// keys maps a key name to its index: folded key values → row id.
	keys map[string]map[string]string
}

// row is one stored record. Rows are immutable once stored: an update
// stores a new row, so rollback restores the old pointer.
type row struct {
	id       string
	values   fields // attribute or lookup attribute → stored value
	version  int64
	born     int64 // version at creation: the creation order
	created  int64 // Unix nanoseconds
	modified int64
}

// newRow builds a row from values.
func newRow(id string, values map[string]any, version, born int64, created, modified time.Time) *row {
	return &row{id: id, values: fieldsOf(values), version: version, born: born,
		created: created.UnixNano(), modified: modified.UnixNano()}
}

func newStore(s *schema) *store {
	st := &store{tables: map[string]*tableData{}}
	for _, td := range s.tables {
		t := &tableData{def: td, rows: map[string]*row{}, keys: map[string]map[string]string{}}
		for _, k := range td.Keys {
			t.keys[k.Name] = map[string]string{}
		}
		st.tables[td.EntitySet] = t
	}
	return st
}

// keyString folds a row's values for key k into an index string; ok is
// false when a key column is null (such rows are not indexed).
func keyString(k *Key, get func(string) any) (string, bool) {
	var b strings.Builder
	for i, a := range k.Attributes {
		v := get(a)
		if v == nil {
			return "", false
		}
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(strings.ToLower(fmt.Sprint(v)))
	}
	return b.String(), true
}

// set replaces (r != nil) or deletes (r == nil) the row id, keeping the
// key indexes in step.
func (t *tableData) set(id string, r *row) {
	if old := t.rows[id]; old != nil {
		for name, idx := range t.keys {
			if ks, ok := keyString(t.def.keys[name], old.values.get); ok && idx[ks] == id {
				delete(idx, ks)
			}
		}
	}
	if r == nil {
		delete(t.rows, id)
		return
	}
	t.rows[id] = r
	for name, idx := range t.keys {
		if ks, ok := keyString(t.def.keys[name], r.values.get); ok {
			idx[ks] = id
		}
	}
}

// conflict returns the Active key whose values in r are already used by
// another row, or nil.
func (t *tableData) conflict(r *row) *Key {
	for _, k := range t.def.Keys {
		if k.Status != "Active" {
			continue
		}
		if ks, ok := keyString(t.def.keys[k.Name], r.values.get); ok {
			if other, used := t.keys[k.Name][ks]; used && other != r.id {
				return t.def.keys[k.Name]
			}
		}
	}
	return nil
}

// byKey finds a row by alternate-key values.
func (t *tableData) byKey(k *Key, values map[string]any) *row {
	ks, ok := keyString(k, func(n string) any { return values[n] })
	if !ok {
		return nil
	}
	if id, ok := t.keys[k.Name][ks]; ok {
		return t.rows[id]
	}
	return nil
}

// tx is a write transaction: the store's write lock plus an undo log.
type tx struct {
	st   *store
	undo []undoEntry
}

type undoEntry struct {
	t   *tableData
	id  string
	old *row
}

// begin takes the write lock; the caller must commit or rollback.
func (st *store) begin() *tx {
	st.mu.Lock()
	return &tx{st: st}
}

// put stores r (r.id set) in t, remembering the previous row.
func (x *tx) put(t *tableData, r *row) {
	x.undo = append(x.undo, undoEntry{t: t, id: r.id, old: t.rows[r.id]})
	t.set(r.id, r)
}

// remove deletes the row id from t.
func (x *tx) remove(t *tableData, id string) {
	x.undo = append(x.undo, undoEntry{t: t, id: id, old: t.rows[id]})
	t.set(id, nil)
}

// nextVersion returns a new row version.
func (x *tx) nextVersion() int64 {
	x.st.version++
	return x.st.version
}

func (x *tx) commit() { x.st.mu.Unlock() }

func (x *tx) rollback() {
	for i := len(x.undo) - 1; i >= 0; i-- {
		u := x.undo[i]
		u.t.set(u.id, u.old)
	}
	x.st.mu.Unlock()
}

// copyRow returns r's values plus its primary id, for inspection.
func copyRow(td *tableDef, r *row) map[string]any {
	m := r.values.toMap()
	m[td.PrimaryID] = r.id
	return m
}
