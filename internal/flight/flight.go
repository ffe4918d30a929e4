// Package flight fills a cache once for concurrent callers that missed it.
package flight

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// Cached returns get's value for key when it has one; otherwise it runs
// fetch once for all concurrent callers of key and returns its answer.
// fetch stores what it fetched where get finds it. get is asked again
// inside the flight: singleflight forgets a key as soon as its call
// returns, so a caller that missed the cache just before another flight
// stored its answer would otherwise fetch it a second time.
func Cached[T any](g *singleflight.Group, key string, get func() (T, bool), fetch func() (T, error)) (T, error) {
	if v, ok := get(); ok {
		return v, nil
	}
	v, err, _ := g.Do(key, func() (any, error) { return recheck(get, fetch) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// CachedCtx is Cached for a fetch that must outlive any one caller: fetch
// runs with no caller's cancellation (its own timeout bounds it), and each
// caller returns when its ctx ends, leaving the fetch to the others.
func CachedCtx[T any](ctx context.Context, g *singleflight.Group, key string, get func() (T, bool), fetch func() (T, error)) (T, error) {
	if v, ok := get(); ok {
		return v, nil
	}
	ch := g.DoChan(key, func() (any, error) { return recheck(get, fetch) })
	var zero T
	select {
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		return r.Val.(T), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func recheck[T any](get func() (T, bool), fetch func() (T, error)) (any, error) {
	if v, ok := get(); ok {
		return v, nil
	}
	return fetch()
}
