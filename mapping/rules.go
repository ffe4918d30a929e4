package mapping

import (
	"fmt"
	"os"
	"slices"
	"time"
)

// knownSchemas are the result schemas Numora documents; rules for other
// schemas load with a warning.
var knownSchemas = []string{"invoice_v2", "receipt_v1", "contract_v1"}

// Rules are compiled mapping rules. They are immutable and safe for
// concurrent use; Render does no parsing.
type Rules struct {
	file     string
	schemas  map[string]*schemaRules
	order    []string
	specs    []RecordSpec
	warnings []Problem
}

// schemaRules are the rules for one result schema.
type schemaRules struct {
	name   string
	skipIf []skipRule
	// records are in dependency order: every record after those it refs.
	records []*recordRule
	// uses are the environment parts any expression of the schema reads.
	uses envParts
}

// skipRule is one skip_if entry.
type skipRule struct {
	when   *program
	reason template
}

// recordRule is one compiled record rule.
type recordRule struct {
	name, entity string
	mode         Mode
	keyKind      KeyKind
	keyCols      []int        // key: [col, …]: indexes into columns
	keyVals      []*valueRule // key: {col: source, …}
	forEach      bool
	onRemoved    Removal // for_each records: what happens to rows of removed items
	inactive     *State  // on_removed: deactivate
	ownerCol     string  // the column written from document.id, or ""
	columns      []*valueRule
	binds        []*bindRule
	uses         envParts
	pos          Pos
}

// gate is a confidence threshold and what to do below it.
type gate struct {
	min    float64
	action string // "fail", "skip", "ignore"; "" = no gate
}

// valueRule is one compiled column (or key, or lookup match) rule.
type valueRule struct {
	name       string
	display    string // name in messages when not name ("new_VendorId.accountnumber")
	src        source
	typ        Type
	transforms []transform
	formats    []string
	loc        *time.Location
	sep        byte // decimal separator, 0 = auto
	precision  int
	choices    *choiceSet
	maxLength  int
	truncate   bool
	required   bool
	omitEmpty  bool
	hasDefault bool
	def        any // the converted default, or the constant for src const
	gate       gate
	confirmed  bool // require_confirmed
	pos        Pos
}

// bindRule is one compiled ref or lookup.
type bindRule struct {
	nav    string
	ref    string
	refIdx int // index in schemaRules.records
	lookup *lookupRule
	pos    Pos
}

// lookupRule describes an existing row to bind to.
type lookupRule struct {
	entity    string
	match     []*valueRule
	onMissing OnMissing
	label     string
	// keepEmpty (omit_empty) leaves the reference untouched when a match
	// value is empty; otherwise on_missing: null clears it.
	keepEmpty bool
}

// Load reads and compiles a rules file. On problems it returns a
// *LoadError listing every one of them with its position.
func Load(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	return Parse(path, data)
}

// Schemas returns the schemas the rules map, sorted.
func (r *Rules) Schemas() []string {
	s := slices.Clone(r.order)
	slices.Sort(s)
	return s
}

// Records describes every record rule, in file order.
func (r *Rules) Records() []RecordSpec { return slices.Clone(r.specs) }

// Warnings returns doubtful but valid constructs (key: none, schemas
// unknown to Numora, …), in file order.
func (r *Rules) Warnings() []Problem { return slices.Clone(r.warnings) }

// File returns the name the rules were loaded under.
func (r *Rules) File() string { return r.file }
