package dynamics365

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/internal/flight"
)

// entityInfo is what writing needs to know about a table.
type entityInfo struct {
	EntitySetName      string `json:"EntitySetName"`
	LogicalName        string `json:"LogicalName"`
	PrimaryIDAttribute string `json:"PrimaryIdAttribute"`
}

// entityCache holds table metadata by entity set name, fetched once per
// destination (tables do not change during a run) and shared by concurrent
// deliveries: N workers asking for the same table cause one request.
type entityCache struct {
	mu     sync.RWMutex
	byName map[string]entityInfo
	group  singleflight.Group
}

// peek returns cached metadata without fetching.
func (c *entityCache) peek(entitySet string) (entityInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	info, ok := c.byName[entitySet]
	return info, ok
}

func (c *entityCache) store(info entityInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byName == nil {
		c.byName = map[string]entityInfo{}
	}
	c.byName[info.EntitySetName] = info
}

// entity returns the metadata of entitySet, fetching it on first use.
func (d *Destination) entity(ctx context.Context, entitySet string) (entityInfo, error) {
	return flight.Cached(&d.entities.group, entitySet, func() (entityInfo, bool) { return d.entities.peek(entitySet) },
		func() (entityInfo, error) {
			info, err := d.fetchEntity(ctx, entitySet)
			if err == nil {
				d.entities.store(info)
			}
			return info, err
		})
}

// fetchEntity reads one table's EntityDefinitions entry by entity set name.
func (d *Destination) fetchEntity(ctx context.Context, entitySet string) (entityInfo, error) {
	u := fmt.Sprintf("%sEntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$filter=EntitySetName%%20eq%%20%s",
		d.base, escapeURL("'"+entitySet+"'", "'"))
	resp, err := d.call(ctx, &request{method: "GET", url: u, idempotent: true})
	if err != nil {
		return entityInfo{}, err
	}
	var page struct {
		Value []entityInfo `json:"value"`
	}
	if err := json.Unmarshal(resp.body, &page); err != nil {
		return entityInfo{}, fmt.Errorf("dynamics365: decoding EntityDefinitions%s: %w", requestIDSuffix(resp.requestID()), err)
	}
	for _, info := range page.Value {
		if info.EntitySetName == entitySet && info.PrimaryIDAttribute != "" {
			return info, nil
		}
	}
	return entityInfo{}, &destinations.Error{Class: destinations.Permanent, Code: "crm_unknown_entity",
		Message: withRequestID(fmt.Sprintf("Dataverse has no table with entity set name %q (names are case sensitive)", entitySet),
			resp.requestID())}
}

// guessEntity derives a table's names from its entity set name by
// Dataverse's default convention (accounts → account, accountid); Preview
// uses it for tables whose metadata was never loaded.
func guessEntity(entitySet string) entityInfo {
	logical := entitySet
	if n := len(logical); n > 1 && logical[n-1] == 's' {
		logical = logical[:n-1]
	}
	return entityInfo{EntitySetName: entitySet, LogicalName: logical, PrimaryIDAttribute: logical + "id"}
}

// cachedEntity returns the cached metadata of entitySet or, without a
// request, the conventional guess.
func (d *Destination) cachedEntity(entitySet string) entityInfo {
	if info, ok := d.entities.peek(entitySet); ok {
		return info
	}
	return guessEntity(entitySet)
}
