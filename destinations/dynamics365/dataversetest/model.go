package dataversetest

import (
	_ "embed"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed testdata/tables.yaml
var defaultTables []byte

// Model is the table model the emulator serves: the entity sets, their
// columns, alternate keys and lookups. Load one with LoadModel or
// ParseModel; DefaultModel is the sandbox model from testdata/tables.yaml.
type Model struct {
	Tables []Table `yaml:"tables"`
}

// Table is one Dataverse table.
type Table struct {
	EntitySet   string `yaml:"entity_set"`   // "accounts"
	LogicalName string `yaml:"logical_name"` // "account"
	PrimaryID   string `yaml:"primary_id"`   // "accountid"
	PrimaryName string `yaml:"primary_name"` // "name"
	// OptimisticConcurrency enables If-Match with an ETag (412 on mismatch).
	OptimisticConcurrency bool             `yaml:"optimistic_concurrency"`
	Attributes            []Attribute      `yaml:"attributes"`
	Keys                  []Key            `yaml:"keys"`
	Navigation            []NavProperty    `yaml:"navigation"`
	Rows                  []map[string]any `yaml:"rows"` // seeded at start
}

// AttrType is a column type.
type AttrType string

// Column types.
const (
	TypeString      AttrType = "string"      // Edm.String, MaxLength (default 100, ≤ 4000)
	TypeMemo        AttrType = "memo"        // Edm.String, MaxLength (default 2000, ≤ 1048576)
	TypeInt         AttrType = "int"         // Edm.Int32
	TypeDecimal     AttrType = "decimal"     // Edm.Decimal, Precision decimals (default 2)
	TypeMoney       AttrType = "money"       // Edm.Decimal, Precision decimals (default 2), read with 4
	TypeBool        AttrType = "bool"        // Edm.Boolean
	TypeDate        AttrType = "date"        // Edm.Date "YYYY-MM-DD"
	TypeDateTime    AttrType = "datetime"    // Edm.DateTimeOffset, stored in UTC
	TypeChoice      AttrType = "choice"      // Edm.Int32 option value
	TypeMultiChoice AttrType = "multichoice" // Edm.String "1,9"
	TypeGUID        AttrType = "guid"        // Edm.Guid
)

// Attribute is a column.
type Attribute struct {
	Name      string         `yaml:"name"` // logical name, lowercase
	Type      AttrType       `yaml:"type"`
	MaxLength int            `yaml:"max_length"` // strings and memos
	Precision int            `yaml:"precision"`  // decimals and money
	Options   []ChoiceOption `yaml:"options"`    // choices
	// Behavior is the DateTimeBehavior of a datetime column: UserLocal
	// (default; stored in UTC, an offset converted) or TimeZoneIndependent
	// (stored as given: the wall-clock time, any offset ignored). Date
	// columns are DateOnly and take "YYYY-MM-DD" only.
	Behavior string `yaml:"behavior"`
}

// DateTimeBehavior values.
const (
	BehaviorUserLocal           = "UserLocal"
	BehaviorTimeZoneIndependent = "TimeZoneIndependent"
)

// ChoiceOption is a choice (option set) option.
type ChoiceOption struct {
	Label string `yaml:"label"`
	Value int64  `yaml:"value"`
	// State is, for an option of a statuscode column, the statecode value
	// it belongs to (StatusOptionMetadata.State): Dataverse refuses a
	// statuscode that does not belong to the row's statecode.
	State *int64 `yaml:"state"`
}

// Key is an alternate key.
type Key struct {
	Name       string   `yaml:"name"`
	Attributes []string `yaml:"attributes"`
	// Status is the EntityKeyIndexStatus: Active (default), Pending,
	// InProgress or Failed. Only Active keys work in URLs.
	Status string `yaml:"status"`
}

// NavProperty is a single-valued navigation property (a lookup). Two
// navigation properties may share one attribute with different targets:
// a customer lookup ("parentcustomerid_account" → accounts and
// "parentcustomerid_contact" → contacts, attribute parentcustomerid).
// The owner lookup is one navigation property with Targets
// [systemusers, teams]: its relationship references the "owner" table.
type NavProperty struct {
	Name      string `yaml:"name"`      // case sensitive: "new_VendorId"
	Attribute string `yaml:"attribute"` // lookup column: "new_vendorid"
	Target    string `yaml:"target"`    // referenced entity set: "accounts"
	// Targets are the entity sets of a polymorphic owner lookup (ownerid:
	// systemusers, teams); Target is then the first.
	Targets []string `yaml:"targets"`
}

// owner reports whether n is the polymorphic owner lookup.
func (n *NavProperty) owner() bool { return len(n.Targets) > 1 }

// accepts reports whether a bind of n may name a row of entitySet.
func (n *NavProperty) accepts(entitySet string) bool { return containsString(n.Targets, entitySet) }

// DefaultModel returns the sandbox model embedded from testdata/tables.yaml.
func DefaultModel() *Model {
	m, err := ParseModel(defaultTables)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return m
}

// LoadModel reads a model file.
func LoadModel(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataversetest: %w", err)
	}
	return ParseModel(data)
}

// ParseModel parses and checks a model in the tables.yaml format.
func ParseModel(data []byte) (*Model, error) {
	var m Model
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("dataversetest: model: %w", err)
	}
	if _, err := compileModel(&m); err != nil {
		return nil, err
	}
	return &m, nil
}
