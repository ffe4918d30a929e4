package dynamics365

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/numora/numora-connector/destinations"
	sg "github.com/numora/numora-connector/internal/suggest"
	"github.com/numora/numora-connector/mapping"
)

var _ destinations.MetadataValidator = (*Destination)(nil)

// compatibleTypes lists, per rules column type, the Dataverse AttributeType
// values it can be written to.
var compatibleTypes = map[mapping.Type][]string{
	mapping.TypeString:      {"String", "Memo"},
	mapping.TypeInt:         {"Integer", "BigInt"},
	mapping.TypeDecimal:     {"Decimal", "Double", "Money"},
	mapping.TypeMoney:       {"Money", "Decimal", "Double"},
	mapping.TypeBool:        {"Boolean"},
	mapping.TypeDate:        {"DateTime"},
	mapping.TypeDateTime:    {"DateTime"},
	mapping.TypeChoice:      {"Picklist", "State", "Status"},
	mapping.TypeMultiChoice: {"Virtual", "MultiSelectPicklist"},
	mapping.TypeGUID:        {"Uniqueidentifier"},
}

// ValidateRecords checks record specs against the environment's
// EntityDefinitions (dataverse.md §10): the entity set exists; each column
// exists, is valid for create and/or update as the mode needs, has a
// compatible type, a max_length within the column's MaxLength and choice
// values among its options; key columns are exactly an Active alternate
// key; each bind names a navigation property of the table whose target is
// the lookup's entity set (or the referenced record's), and lookup columns
// exist there. Each problem carries the rules-file position; problems come
// in file order.
func (d *Destination) ValidateRecords(ctx context.Context, specs []mapping.RecordSpec) ([]mapping.Problem, error) {
	all, err := d.allEntities(ctx)
	if err != nil {
		return nil, classify(err)
	}
	v := &validation{d: d, specs: specs, bySet: map[string]entityInfo{}, byLogical: map[string]entityInfo{}, tables: map[string]*tableMeta{}}
	for _, e := range all {
		v.bySet[e.EntitySetName], v.byLogical[e.LogicalName] = e, e
	}
	for i := range specs {
		if err := v.record(ctx, &specs[i]); err != nil {
			return nil, classify(err)
		}
	}
	slices.SortStableFunc(v.problems, func(a, b mapping.Problem) int {
		return cmp.Or(strings.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Col, b.Pos.Col))
	})
	return v.problems, nil
}

// validation is one ValidateRecords run.
type validation struct {
	d         *Destination
	specs     []mapping.RecordSpec
	bySet     map[string]entityInfo
	byLogical map[string]entityInfo
	tables    map[string]*tableMeta // by entity set, read once per run
	problems  []mapping.Problem
}

func (v *validation) add(pos mapping.Pos, format string, args ...any) {
	v.problems = append(v.problems, mapping.Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// table returns the metadata of an entity set, nil when it does not exist.
func (v *validation) table(ctx context.Context, set string) (*tableMeta, error) {
	if t, ok := v.tables[set]; ok {
		return t, nil
	}
	info, ok := v.bySet[set]
	if !ok {
		v.tables[set] = nil
		return nil, nil
	}
	t, err := v.d.tableMeta(ctx, info)
	if err != nil {
		return nil, err
	}
	v.tables[set] = t
	return t, nil
}

func (v *validation) record(ctx context.Context, s *mapping.RecordSpec) error {
	t, err := v.table(ctx, s.Entity)
	if err != nil {
		return err
	}
	if t == nil {
		v.add(s.Pos, "record %s: Dataverse has no entity set %q%s", s.Name, s.Entity, v.suggestSet(s.Entity))
		return nil
	}
	if len(s.KeyColumns) > 0 {
		v.key(s, t)
	}
	for _, c := range s.Columns {
		v.column(s, t, c)
	}
	v.mirror(s, t)
	for _, b := range s.Binds {
		if err := v.bind(ctx, s, t, b); err != nil {
			return err
		}
	}
	return nil
}

func (v *validation) column(s *mapping.RecordSpec, t *tableMeta, c mapping.ColumnSpec) {
	a := t.attrs[c.Name]
	if a == nil {
		v.add(c.Pos, "column %s does not exist in table %s%s", c.Name, t.info.LogicalName, suggest(c.Name, keysOf(t.attrs)))
		return
	}
	isKey := slices.Contains(s.KeyColumns, c.Name)
	if s.Mode != mapping.ModeUpdate && !a.Create {
		v.add(c.Pos, "column %s of %s cannot be set on create", c.Name, t.info.LogicalName)
	}
	if s.Mode != mapping.ModeCreate && !a.Update && !isKey {
		v.add(c.Pos, "column %s of %s cannot be set on update", c.Name, t.info.LogicalName)
	}
	if want := compatibleTypes[c.Type]; c.Type != "" && !slices.Contains(want, a.Type) {
		v.add(c.Pos, "column %s is %s in the rules but %s in Dataverse (%s fits %s)", c.Name, c.Type, a.Type, c.Type, strings.Join(want, " or "))
	}
	if msg := behaviorMismatch(c.Type, a.Behavior); msg != "" {
		v.add(c.Pos, "column %s of %s is a %s date-time column: %s", c.Name, t.info.LogicalName, a.Behavior, msg)
	}
	if msg := precisionLimit(c); msg != "" {
		v.add(c.Pos, "column %s: %s", c.Name, msg)
	}
	if a.MaxLength > 0 && c.MaxLength > a.MaxLength {
		v.add(c.Pos, "column %s: max_length %d exceeds Dataverse's MaxLength %d", c.Name, c.MaxLength, a.MaxLength)
	}
	if a.Options != nil {
		for _, label := range sortedKeys(c.Choices) {
			if val := c.Choices[label]; !a.Options[val] {
				v.add(c.Pos, "column %s: choice %s = %d is not an option of %s.%s (options: %s)", c.Name, label, val,
					t.info.LogicalName, c.Name, optionList(a.Options))
			}
		}
	}
}

func (v *validation) key(s *mapping.RecordSpec, t *tableMeta) {
	want := slices.Sorted(slices.Values(s.KeyColumns))
	var names []string
	for _, k := range t.keys {
		names = append(names, fmt.Sprintf("%s [%s] %s", k.Name, strings.Join(k.Attributes, ", "), k.Status))
		if slices.Equal(slices.Sorted(slices.Values(k.Attributes)), want) {
			if k.Status != "Active" {
				v.add(s.Pos, "record %s: alternate key %s on [%s] is %s, not Active: Dataverse cannot use it yet", s.Name, k.Name, strings.Join(s.KeyColumns, ", "), k.Status)
			}
			return
		}
	}
	if len(names) == 0 {
		names = []string{"none"}
	}
	v.add(s.Pos, "record %s: table %s has no alternate key on [%s] (keys: %s)", s.Name, t.info.LogicalName, strings.Join(s.KeyColumns, ", "), strings.Join(names, "; "))
}

func (v *validation) bind(ctx context.Context, s *mapping.RecordSpec, t *tableMeta, b mapping.BindSpec) error {
	n, ok := t.navs[b.NavProperty]
	if !ok {
		v.add(b.Pos, "%s has no navigation property %s (names are case sensitive)%s", t.info.LogicalName, b.NavProperty, suggest(b.NavProperty, keysOf(t.navs)))
		return nil
	}
	target := b.Lookup
	if target == "" {
		target = v.refEntity(s, b.Ref)
	}
	if allowed := v.navTargets(t, n); target != "" && !slices.Contains(allowed, target) {
		v.add(b.Pos, "navigation property %s of %s points to %s, not %s", b.NavProperty, t.info.LogicalName, strings.Join(allowed, " or "), target)
		return nil
	}
	if b.Lookup == "" {
		return nil
	}
	lt, err := v.table(ctx, b.Lookup)
	if err != nil || lt == nil {
		return err
	}
	for _, c := range b.LookupColumns {
		if lt.attrs[c] == nil {
			v.add(b.Pos, "lookup column %s does not exist in table %s%s", c, lt.info.LogicalName, suggest(c, keysOf(lt.attrs)))
		}
	}
	return nil
}

// refEntity returns the entity set of the record named name in the same
// schema as s, or "".
func (v *validation) refEntity(s *mapping.RecordSpec, name string) string {
	for _, o := range v.specs {
		if o.Schema == s.Schema && o.Name == name {
			return o.Entity
		}
	}
	return ""
}

func (v *validation) suggestSet(set string) string {
	names := make([]string, 0, len(v.bySet))
	for n := range v.bySet {
		names = append(names, n)
	}
	return suggest(set, names)
}

// suggest returns `; did you mean "X"?` for the candidate most likely
// meant (suggest.Closest), or "".
func suggest(name string, candidates []string) string {
	if s := sg.Closest(name, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]int64) []string { return keysOf(m) }

func optionList(opts map[int64]bool) string {
	vals := make([]int64, 0, len(opts))
	for o := range opts {
		vals = append(vals, o)
	}
	slices.Sort(vals)
	parts := make([]string, len(vals))
	for i, o := range vals {
		parts[i] = fmt.Sprint(o)
	}
	return strings.Join(parts, ", ")
}

// navTargets returns the entity sets a navigation property may bind. A
// relationship names one referenced table, except the owner lookup's,
// which references "owner" while a bind names a systemusers or teams row
// (dataverse.md §13): there the lookup column's Targets decide. A customer
// lookup has one navigation property per target, each with its own
// relationship.
func (v *validation) navTargets(t *tableMeta, n navMeta) []string {
	logical := []string{n.Referenced}
	if a := t.attrs[n.Attribute]; a != nil && len(a.Targets) > 0 && !slices.Contains(a.Targets, n.Referenced) {
		logical = a.Targets
	} else if n.Referenced == "owner" {
		logical = []string{"systemuser", "team"}
	}
	sets := make([]string, 0, len(logical))
	for _, l := range logical {
		set := v.byLogical[l].EntitySetName
		if set == "" {
			set = l + "s" // a table the environment did not list
		}
		sets = append(sets, set)
	}
	return sets
}

// behaviorMismatch explains why a rules type does not fit a column's
// DateTimeBehavior (dataverse.md §13), or returns "". A DateOnly column
// takes a date; UserLocal and TimeZoneIndependent columns take a moment
// (the writer sends UTC to the first and the wall-clock time to the
// second), so a date rule would land on midnight UTC.
func behaviorMismatch(t mapping.Type, behavior string) string {
	switch {
	case t == mapping.TypeDate && (behavior == behaviorUserLocal || behavior == behaviorIndependent):
		return "a type: date rule would write midnight UTC; use type: datetime, or make the column DateOnly"
	case t == mapping.TypeDateTime && behavior == behaviorDateOnly:
		return "it keeps only the date; use type: date so the date is the one written in the document"
	}
	return ""
}

// mirror checks what on_removed needs of the table: the ownership column
// (checked as a column) and, to deactivate, statecode and statuscode with
// the rule's values among their options when Dataverse lists them.
func (v *validation) mirror(s *mapping.RecordSpec, t *tableMeta) {
	if s.OnRemoved != mapping.RemoveDeactivate || s.Inactive == nil {
		return
	}
	for col, val := range map[string]int64{"statecode": s.Inactive.StateCode, "statuscode": s.Inactive.StatusCode} {
		a := t.attrs[col]
		switch {
		case a == nil:
			v.add(s.Pos, "record %s: on_removed: deactivate needs column %s, which table %s does not have; use on_removed: delete or keep",
				s.Name, col, t.info.LogicalName)
		case a.Options != nil && !a.Options[val]:
			v.add(s.Pos, "record %s: deactivate %s %d is not an option of %s.%s (options: %s)", s.Name, col, val,
				t.info.LogicalName, col, optionList(a.Options))
		case col == "statuscode" && otherState(a.States, val, s.Inactive.StateCode):
			v.add(s.Pos, "record %s: deactivate statuscode %d belongs to statecode %d of %s, not %d: Dataverse refuses the pair (0x80048408)",
				s.Name, val, a.States[val], t.info.LogicalName, s.Inactive.StateCode)
		}
	}
}

// otherState reports whether status option val is listed as belonging to
// a state other than state.
func otherState(states map[int64]int64, val, state int64) bool {
	st, ok := states[val]
	return ok && st != state
}

// precisionLimit reports a precision beyond what Dataverse's column type
// holds (money 4 fraction digits, decimal 10): values are rounded to that
// anyway when delivered.
func precisionLimit(c mapping.ColumnSpec) string {
	limit := decimalPrecision
	switch c.Type {
	case mapping.TypeMoney:
		limit = moneyPrecision
	case mapping.TypeDecimal:
	default:
		return ""
	}
	if c.Precision <= limit {
		return ""
	}
	return fmt.Sprintf("precision %d of a %s column exceeds the %d fraction digits Dataverse holds; values are rounded to %d",
		c.Precision, c.Type, limit, limit)
}
