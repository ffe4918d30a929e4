package destinations

import (
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/numora/numora-connector/internal/flight"
)

// LookupCache remembers lookup answers, "nothing matched" included, for
// TTL, shared by concurrent deliveries: concurrent misses for one key run
// their query once. Errors are not remembered. The zero value with a TTL
// is ready to use; its methods are safe for concurrent use.
type LookupCache[T any] struct {
	TTL time.Duration

	mu    sync.Mutex
	items map[string]cachedAnswer[T]
	group singleflight.Group
}

type cachedAnswer[T any] struct {
	v  T
	at time.Time
}

// Do returns key's answer if one younger than TTL is remembered at now();
// else it runs fetch (once for all concurrent callers of key), remembers a
// successful answer as of now() after it, and returns it.
func (c *LookupCache[T]) Do(key string, now func() time.Time, fetch func() (T, error)) (T, error) {
	return flight.Cached(&c.group, key, func() (T, bool) { return c.get(key, now()) }, func() (T, error) {
		v, err := fetch()
		if err == nil {
			c.put(key, cachedAnswer[T]{v: v, at: now()})
		}
		return v, err
	})
}

func (c *LookupCache[T]) get(key string, now time.Time) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.items[key]
	if !ok || now.Sub(a.at) >= c.TTL {
		var zero T
		return zero, false
	}
	return a.v, true
}

func (c *LookupCache[T]) put(key string, a cachedAnswer[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string]cachedAnswer[T]{}
	}
	c.items[key] = a
}
