package dataversetest

import (
	"fmt"
	"strings"
)

// schema is the compiled model: lookups by entity set and logical name.
type schema struct {
	bySet     map[string]*tableDef
	byLogical map[string]*tableDef
	tables    []*tableDef
}

// tableDef is a compiled Table.
type tableDef struct {
	Table
	attrs  map[string]*Attribute   // by logical name, without the primary id
	navs   map[string]*NavProperty // by navigation property name
	lookup map[string]*NavProperty // by lookup attribute name
	keys   map[string]*Key         // by key name
	opts   map[string]map[int64]string
	// metadata ids, stable per model
	metadataID string
}

// compileModel checks m and builds the lookup maps.
func compileModel(m *Model) (*schema, error) {
	s := &schema{bySet: map[string]*tableDef{}, byLogical: map[string]*tableDef{}}
	for i := range m.Tables {
		td, err := compileTable(&m.Tables[i])
		if err != nil {
			return nil, err
		}
		if s.bySet[td.EntitySet] != nil || s.byLogical[td.LogicalName] != nil {
			return nil, fmt.Errorf("dataversetest: model: table %q defined twice", td.EntitySet)
		}
		s.bySet[td.EntitySet], s.byLogical[td.LogicalName] = td, td
		s.tables = append(s.tables, td)
	}
	for _, td := range s.tables {
		for _, n := range td.Navigation {
			for _, t := range n.Targets {
				if s.bySet[t] == nil {
					return nil, fmt.Errorf("dataversetest: model: %s: navigation %s targets unknown entity set %q", td.EntitySet, n.Name, t)
				}
			}
			if n.owner() && (n.Attribute != "ownerid" || !sameSet(n.Targets, []string{"systemusers", "teams"})) {
				return nil, fmt.Errorf("dataversetest: model: %s: navigation %s: only the owner lookup (ownerid) has several targets, systemusers and teams", td.EntitySet, n.Name)
			}
		}
	}
	return s, nil
}

func compileTable(t *Table) (*tableDef, error) {
	if t.EntitySet == "" || t.LogicalName == "" || t.PrimaryID == "" {
		return nil, fmt.Errorf("dataversetest: model: table %q needs entity_set, logical_name and primary_id", t.EntitySet)
	}
	td := &tableDef{Table: *t, attrs: map[string]*Attribute{}, navs: map[string]*NavProperty{},
		lookup: map[string]*NavProperty{}, keys: map[string]*Key{}, opts: map[string]map[int64]string{},
		metadataID: stableGUID("entity", t.LogicalName)}
	if err := td.addAttributes(); err != nil {
		return nil, err
	}
	for i := range td.Navigation {
		if err := td.addNavigation(&td.Navigation[i]); err != nil {
			return nil, err
		}
	}
	for i := range td.Keys {
		k := &td.Keys[i]
		if k.Status == "" {
			k.Status = "Active"
		}
		for _, a := range k.Attributes {
			if td.attrs[a] == nil && td.lookup[a] == nil {
				return nil, fmt.Errorf("dataversetest: model: %s: key %s names unknown attribute %q", t.EntitySet, k.Name, a)
			}
		}
		td.keys[k.Name] = k
	}
	return td, nil
}

func (td *tableDef) addAttributes() error {
	for i := range td.Attributes {
		a := &td.Attributes[i]
		if err := checkAttribute(td.EntitySet, a); err != nil {
			return err
		}
		if td.attrs[a.Name] != nil || a.Name == td.PrimaryID {
			return fmt.Errorf("dataversetest: model: %s: attribute %q defined twice", td.EntitySet, a.Name)
		}
		td.attrs[a.Name] = a
		if len(a.Options) > 0 {
			td.opts[a.Name] = map[int64]string{}
			for _, o := range a.Options {
				td.opts[a.Name][o.Value] = o.Label
			}
		}
	}
	return nil
}

func checkAttribute(set string, a *Attribute) error {
	if a.Name == "" || a.Name != strings.ToLower(a.Name) {
		return fmt.Errorf("dataversetest: model: %s: attribute name %q must be lowercase and non-empty", set, a.Name)
	}
	switch a.Type {
	case TypeString:
		a.MaxLength = defaultInt(a.MaxLength, 100)
	case TypeMemo:
		a.MaxLength = defaultInt(a.MaxLength, 2000)
	case TypeDecimal, TypeMoney:
		a.Precision = defaultInt(a.Precision, 2)
	case TypeChoice, TypeMultiChoice:
		if len(a.Options) == 0 {
			return fmt.Errorf("dataversetest: model: %s: choice %q has no options", set, a.Name)
		}
	case TypeDateTime:
		if a.Behavior == "" {
			a.Behavior = "UserLocal"
		}
	case TypeInt, TypeBool, TypeDate, TypeGUID:
	default:
		return fmt.Errorf("dataversetest: model: %s: attribute %q has unknown type %q", set, a.Name, a.Type)
	}
	return nil
}

func defaultInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// activeKeyFor returns the key whose attributes are exactly names, or nil.
func (td *tableDef) keyFor(names []string) *Key {
	for i := range td.Keys {
		k := &td.Keys[i]
		if sameSet(k.Attributes, names) {
			return k
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x == y
		}
		if !found {
			return false
		}
	}
	return true
}

// isKeyColumn reports whether name is part of any alternate key.
func (td *tableDef) isKeyColumn(name string) bool {
	for _, k := range td.Keys {
		if containsString(k.Attributes, name) {
			return true
		}
	}
	return false
}

// typeName is the OData type name used in error messages.
func (td *tableDef) typeName() string { return "Microsoft.Dynamics.CRM." + td.LogicalName }

// addNavigation adds a navigation property. Two may share an attribute
// when both have one target and the targets differ (a customer lookup).
func (td *tableDef) addNavigation(n *NavProperty) error {
	if n.Target == "" && len(n.Targets) > 0 {
		n.Target = n.Targets[0]
	}
	if len(n.Targets) == 0 {
		n.Targets = []string{n.Target}
	}
	prev := td.lookup[n.Attribute]
	shared := prev != nil && !prev.owner() && !n.owner() && prev.Target != n.Target
	if n.Name == "" || n.Attribute == "" || td.attrs[n.Attribute] != nil || td.navs[n.Name] != nil || (prev != nil && !shared) {
		return fmt.Errorf("dataversetest: model: %s: navigation %q needs a name and an unused attribute", td.EntitySet, n.Name)
	}
	td.navs[n.Name] = n
	if prev == nil {
		td.lookup[n.Attribute] = n
	}
	return nil
}
