package salesforce

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// fieldTypes are the describe types each plan column type may be written to.
var fieldTypes = map[mapping.Type][]string{
	mapping.TypeString: {"string", "textarea", "picklist", "multipicklist", "email", "phone", "url",
		"combobox", "encryptedstring", "reference", "id"},
	mapping.TypeInt:         {"int", "double", "currency", "percent"},
	mapping.TypeDecimal:     {"double", "currency", "percent"},
	mapping.TypeMoney:       {"currency", "double"},
	mapping.TypeBool:        {"boolean"},
	mapping.TypeDate:        {"date"},
	mapping.TypeDateTime:    {"datetime"},
	mapping.TypeChoice:      {"picklist"},
	mapping.TypeMultiChoice: {"multipicklist"},
	mapping.TypeGUID:        {"string"},
}

// ValidateRecords checks the rules against describe: each object exists;
// its key is one External ID field (or IDField for keys by identity);
// columns exist, can be written and fit the field's type, length and
// picklist values; binds name reference fields pointing at the looked-up
// object, whose match fields exist; removals are deletions.
func (d *Destination) ValidateRecords(ctx context.Context, specs []mapping.RecordSpec) ([]mapping.Problem, error) {
	var probs []mapping.Problem
	for i := range specs {
		p, err := d.validateSpec(ctx, &specs[i])
		if err != nil {
			return nil, err
		}
		probs = append(probs, p...)
	}
	return probs, nil
}

type problems struct{ list []mapping.Problem }

func (p *problems) add(pos mapping.Pos, format string, a ...any) {
	p.list = append(p.list, mapping.Problem{Pos: pos, Message: fmt.Sprintf(format, a...)})
}

func (d *Destination) validateSpec(ctx context.Context, s *mapping.RecordSpec) ([]mapping.Problem, error) {
	var p problems
	o, err := d.describe(ctx, s.Entity)
	var api *APIError
	if errors.As(err, &api) && api.Status == 404 {
		p.add(s.Pos, "record %s: the org has no sObject %s", s.Name, s.Entity)
		return p.list, nil
	}
	if err != nil {
		return nil, err
	}
	d.validateKey(&p, s, o)
	for _, c := range s.Columns {
		validateColumn(&p, s, o, c)
	}
	for _, b := range s.Binds {
		if err := d.validateBind(ctx, &p, s, o, b); err != nil {
			return nil, err
		}
	}
	if s.OnRemoved == mapping.RemoveDeactivate {
		p.add(s.Pos, "record %s: on_removed: deactivate has no Salesforce equivalent; use delete or keep", s.Name)
	}
	return p.list, nil
}

func (d *Destination) validateKey(p *problems, s *mapping.RecordSpec, o *objectInfo) {
	key := ""
	switch {
	case len(s.KeyColumns) > 1:
		p.add(s.Pos, "record %s: Salesforce upserts by one External ID field; the key has %d columns", s.Name, len(s.KeyColumns))
		return
	case len(s.KeyColumns) == 1:
		key = s.KeyColumns[0]
	case s.Key == mapping.KeyIdentity:
		key = d.cfg.IDField
	default:
		return
	}
	f := o.field(key)
	switch {
	case f == nil:
		p.add(s.Pos, "record %s: %s has no field %s to upsert by", s.Name, s.Entity, key)
	case !f.ExternalID:
		p.add(s.Pos, "record %s: %s.%s is not an External ID field; upserts need one (External ID and Unique)", s.Name, s.Entity, key)
	case !f.Unique:
		p.add(s.Pos, "record %s: %s.%s is not Unique: two records holding one value make upserts fail with 300", s.Name, s.Entity, key)
	}
}

func validateColumn(p *problems, s *mapping.RecordSpec, o *objectInfo, c mapping.ColumnSpec) {
	f := o.field(c.Name)
	if f == nil {
		p.add(c.Pos, "%s has no field %s", s.Entity, c.Name)
		return
	}
	if !f.Createable && !f.Updateable && !slices.Contains(s.KeyColumns, c.Name) {
		p.add(c.Pos, "%s.%s cannot be written (neither createable nor updateable)", s.Entity, c.Name)
	}
	if allowed, ok := fieldTypes[c.Type]; ok && c.Type != "" && !slices.Contains(allowed, f.Type) {
		p.add(c.Pos, "%s.%s is a %s field; a %s value does not fit it", s.Entity, c.Name, f.Type, c.Type)
	}
	if f.Length > 0 && c.MaxLength > f.Length {
		p.add(c.Pos, "%s.%s holds at most %d characters; the rule allows %d", s.Entity, c.Name, f.Length, c.MaxLength)
	}
	for label := range c.Choices {
		if !slices.ContainsFunc(f.PicklistValues, func(v picklistValue) bool { return v.Active && v.Value == label }) {
			p.add(c.Pos, "%s.%s has no active picklist value %q", s.Entity, c.Name, label)
		}
	}
}

func (d *Destination) validateBind(ctx context.Context, p *problems, s *mapping.RecordSpec, o *objectInfo, b mapping.BindSpec) error {
	f := o.reference(b.NavProperty)
	if f == nil {
		p.add(b.Pos, "%s has no reference field or relationship %s", s.Entity, b.NavProperty)
		return nil
	}
	if b.Lookup == "" {
		return nil
	}
	if !slices.ContainsFunc(f.ReferenceTo, func(t string) bool { return strings.EqualFold(t, b.Lookup) }) {
		p.add(b.Pos, "%s.%s refers to %s, not %s", s.Entity, f.Name, strings.Join(f.ReferenceTo, ", "), b.Lookup)
		return nil
	}
	target, err := d.describe(ctx, b.Lookup)
	if err != nil {
		return err
	}
	for _, c := range b.LookupColumns {
		if target.field(c) == nil {
			p.add(b.Pos, "%s has no field %s to look up by", b.Lookup, c)
		}
	}
	return nil
}
