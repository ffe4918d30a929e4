package dynamics365

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// tableMeta is what online validation reads about one table.
type tableMeta struct {
	info  entityInfo
	attrs map[string]*attrMeta // by logical name
	keys  []keyMeta
	navs  map[string]navMeta // by navigation property name
}

// attrMeta is one column's metadata.
type attrMeta struct {
	Type      string `json:"AttributeType"`
	Name      string `json:"LogicalName"`
	Create    bool   `json:"IsValidForCreate"`
	Update    bool   `json:"IsValidForUpdate"`
	MaxLength int    // strings and memos; 0 = unknown
	Options   map[int64]bool
	// States maps each statuscode option to the statecode it belongs to
	// (StatusOptionMetadata.State).
	States map[int64]int64
	// Targets are the logical names a lookup may reference (owner:
	// systemuser and team; customer: account and contact).
	Targets []string
	// Behavior is a date-time column's DateTimeBehavior: DateOnly,
	// UserLocal or TimeZoneIndependent.
	Behavior string
}

// keyMeta is one alternate key.
type keyMeta struct {
	Name       string   `json:"SchemaName"`
	Attributes []string `json:"KeyAttributes"`
	Status     string   `json:"EntityKeyIndexStatus"`
}

// navMeta is one many-to-one relationship seen from the referencing table.
type navMeta struct {
	Attribute   string `json:"ReferencingAttribute"`
	Referenced  string `json:"ReferencedEntity"`
	NavProperty string `json:"ReferencingEntityNavigationPropertyName"`
}

// allEntities reads every table's names once (a light request even on a
// large environment) and fills the entity cache.
func (d *Destination) allEntities(ctx context.Context) ([]entityInfo, error) {
	var page struct {
		Value []entityInfo `json:"value"`
	}
	if err := d.getJSON(ctx, "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute", &page); err != nil {
		return nil, err
	}
	for _, e := range page.Value {
		if e.EntitySetName != "" && e.PrimaryIDAttribute != "" {
			d.entities.store(e)
		}
	}
	return page.Value, nil
}

// tableMeta reads the columns, keys and relationships of one table.
func (d *Destination) tableMeta(ctx context.Context, info entityInfo) (*tableMeta, error) {
	t := &tableMeta{info: info, attrs: map[string]*attrMeta{}, navs: map[string]navMeta{}}
	root := "EntityDefinitions(LogicalName='" + info.LogicalName + "')/"
	var attrs struct{ Value []*attrMeta }
	if err := d.getJSON(ctx, root+"Attributes?$select=LogicalName,AttributeType,IsValidForCreate,IsValidForUpdate", &attrs); err != nil {
		return nil, err
	}
	for _, a := range attrs.Value {
		t.attrs[a.Name] = a
	}
	steps := []func(context.Context, string, *tableMeta) error{d.readMaxLengths, d.readOptions, d.readKeys, d.readNavs,
		d.readTargets, d.readBehaviors}
	for _, step := range steps {
		if err := step(ctx, root, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (d *Destination) readMaxLengths(ctx context.Context, root string, t *tableMeta) error {
	for _, cast := range []string{"StringAttributeMetadata", "MemoAttributeMetadata"} {
		var page struct {
			Value []struct {
				LogicalName string
				MaxLength   int
			}
		}
		if err := d.getJSON(ctx, root+"Attributes/Microsoft.Dynamics.CRM."+cast+"?$select=LogicalName,MaxLength", &page); err != nil {
			return err
		}
		for _, a := range page.Value {
			m := t.attrs[a.LogicalName]
			if m == nil {
				m = &attrMeta{Name: a.LogicalName}
				t.attrs[a.LogicalName] = m
			}
			m.MaxLength = a.MaxLength
		}
	}
	return nil
}

// readOptions reads choice columns' options: Picklists, multi-select
// ones, and statecode and statuscode, which Dataverse models as the State
// and Status attributes (a status option names its state).
func (d *Destination) readOptions(ctx context.Context, root string, t *tableMeta) error {
	for _, cast := range []string{"PicklistAttributeMetadata", "MultiSelectPicklistAttributeMetadata", "StateAttributeMetadata", "StatusAttributeMetadata"} {
		var page struct {
			Value []struct {
				LogicalName     string
				OptionSet       *optionSet
				GlobalOptionSet *optionSet
			}
		}
		u := root + "Attributes/Microsoft.Dynamics.CRM." + cast + "?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)"
		if err := d.getJSON(ctx, u, &page); err != nil {
			return err
		}
		for _, a := range page.Value {
			m := t.attrs[a.LogicalName]
			if m == nil {
				continue
			}
			m.Options = map[int64]bool{}
			for _, os := range []*optionSet{a.OptionSet, a.GlobalOptionSet} {
				for _, o := range optionsOf(os) {
					m.Options[o] = true
				}
				addStates(m, os)
			}
		}
	}
	return nil
}

// optionSet is a choice column's OptionSet (or GlobalOptionSet); State is
// set on a Status attribute's options.
type optionSet struct {
	Options []struct {
		Value int64
		State *int64
	}
}

// addStates records the states of a Status attribute's options.
func addStates(m *attrMeta, os *optionSet) {
	if os == nil {
		return
	}
	for _, o := range os.Options {
		if o.State != nil {
			if m.States == nil {
				m.States = map[int64]int64{}
			}
			m.States[o.Value] = *o.State
		}
	}
}

func optionsOf(os *optionSet) []int64 {
	if os == nil {
		return nil
	}
	out := make([]int64, 0, len(os.Options))
	for _, o := range os.Options {
		out = append(out, o.Value)
	}
	return out
}

func (d *Destination) readKeys(ctx context.Context, root string, t *tableMeta) error {
	var page struct{ Value []keyMeta }
	if err := d.getJSON(ctx, root+"Keys?$select=SchemaName,KeyAttributes,EntityKeyIndexStatus", &page); err != nil {
		return err
	}
	t.keys = page.Value
	return nil
}

func (d *Destination) readNavs(ctx context.Context, root string, t *tableMeta) error {
	var page struct{ Value []navMeta }
	u := root + "ManyToOneRelationships?$select=ReferencingAttribute,ReferencedEntity,ReferencingEntityNavigationPropertyName"
	if err := d.getJSON(ctx, u, &page); err != nil {
		return err
	}
	for _, n := range page.Value {
		t.navs[n.NavProperty] = n
	}
	return nil
}

// getJSON GETs path (relative to the Web API root) and decodes the answer.
func (d *Destination) getJSON(ctx context.Context, path string, into any) error {
	resp, err := d.call(ctx, &request{method: http.MethodGet, url: d.base + path, idempotent: true})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.body, into); err != nil {
		return fmt.Errorf("dynamics365: decoding %s%s: %w", redactURL(d.base+path), requestIDSuffix(resp.requestID()), err)
	}
	return nil
}

// readTargets reads the tables each lookup column may reference.
func (d *Destination) readTargets(ctx context.Context, root string, t *tableMeta) error {
	var page struct {
		Value []struct {
			LogicalName string
			Targets     []string
		}
	}
	if err := d.getJSON(ctx, root+"Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets", &page); err != nil {
		return err
	}
	for _, a := range page.Value {
		if m := t.attrs[a.LogicalName]; m != nil {
			m.Targets = a.Targets
		}
	}
	return nil
}

// readBehaviors reads each date-time column's DateTimeBehavior.
func (d *Destination) readBehaviors(ctx context.Context, root string, t *tableMeta) error {
	var page struct {
		Value []struct {
			LogicalName      string
			DateTimeBehavior *struct{ Value string }
		}
	}
	if err := d.getJSON(ctx, root+"Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName,DateTimeBehavior", &page); err != nil {
		return err
	}
	for _, a := range page.Value {
		if m := t.attrs[a.LogicalName]; m != nil && a.DateTimeBehavior != nil {
			m.Behavior = a.DateTimeBehavior.Value
		}
	}
	return nil
}
