package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/numora/numora-connector/internal/flight"
)

// objectInfo is what describe says about an sObject.
type objectInfo struct {
	Name   string      `json:"name"`
	Fields []fieldInfo `json:"fields"`
}

// fieldInfo is one field of a describe answer.
type fieldInfo struct {
	Name             string          `json:"name"`
	Type             string          `json:"type"`
	Length           int             `json:"length"`
	Nillable         bool            `json:"nillable"`
	Createable       bool            `json:"createable"`
	Updateable       bool            `json:"updateable"`
	ExternalID       bool            `json:"externalId"`
	Unique           bool            `json:"unique"`
	PicklistValues   []picklistValue `json:"picklistValues"`
	ReferenceTo      []string        `json:"referenceTo"`
	RelationshipName string          `json:"relationshipName"`
}

type picklistValue struct {
	Value  string `json:"value"`
	Active bool   `json:"active"`
}

// field returns the field named name (case-insensitive), or nil.
func (o *objectInfo) field(name string) *fieldInfo {
	for i := range o.Fields {
		if strings.EqualFold(o.Fields[i].Name, name) {
			return &o.Fields[i]
		}
	}
	return nil
}

// reference returns the reference field a bind names: the field itself
// (Account__c) or its relationship name (Account__r), or nil.
func (o *objectInfo) reference(name string) *fieldInfo {
	for i := range o.Fields {
		f := &o.Fields[i]
		if f.Type == "reference" && (strings.EqualFold(f.Name, name) || strings.EqualFold(f.RelationshipName, name)) {
			return f
		}
	}
	return nil
}

// describeCache holds describe answers for the destination's lifetime
// (a changed schema needs a restart, as with Dataverse metadata). Documents
// delivered at once that need the same object share one describe request:
// each costs a call against the org's daily API allocation.
type describeCache struct {
	mu     sync.Mutex
	m      map[string]*objectInfo
	flight singleflight.Group
}

func (c *describeCache) get(name string) *objectInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[strings.ToLower(name)]
}

func (c *describeCache) put(o *objectInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*objectInfo{}
	}
	c.m[strings.ToLower(o.Name)] = o
}

// describe returns the object's describe answer, cached. Concurrent callers
// wait for one request; it runs without the first caller's cancellation (the
// HTTP client's timeout bounds it), so one document's stop does not fail the
// others, and each caller still returns when its own ctx ends.
func (d *Destination) describe(ctx context.Context, object string) (*objectInfo, error) {
	shared := context.WithoutCancel(ctx)
	return flight.CachedCtx(ctx, &d.objects.flight, strings.ToLower(object),
		func() (*objectInfo, bool) { o := d.objects.get(object); return o, o != nil },
		func() (*objectInfo, error) { return d.fetchDescribe(shared, object) })
}

// fetchDescribe asks Salesforce for the object's describe and caches it.
func (d *Destination) fetchDescribe(ctx context.Context, object string) (*objectInfo, error) {
	resp, err := d.call(ctx, "GET", "sobjects/"+url.PathEscape(object)+"/describe", nil)
	if err != nil {
		return nil, err
	}
	var o objectInfo
	if err := json.Unmarshal(resp.body, &o); err != nil || o.Name == "" {
		return nil, transient("crm_bad_response", fmt.Sprintf("describe %s: the answer is not a describe result", object))
	}
	d.objects.put(&o)
	return &o, nil
}
