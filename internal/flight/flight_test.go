package flight

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/sync/singleflight"
)

// A caller that missed the cache just before another flight stored its
// answer finds it inside its own flight: fetch does not run again. get
// answers "miss" to the first question and "hit" to the second, as when
// that other flight ends between them.
func TestCachedAsksAgainInsideTheFlight(t *testing.T) {
	for _, tt := range []struct {
		name string
		call func(g *singleflight.Group, get func() (int, bool), fetch func() (int, error)) (int, error)
	}{
		{"Cached", func(g *singleflight.Group, get func() (int, bool), fetch func() (int, error)) (int, error) {
			return Cached(g, "k", get, fetch)
		}},
		{"CachedCtx", func(g *singleflight.Group, get func() (int, bool), fetch func() (int, error)) (int, error) {
			return CachedCtx(context.Background(), g, "k", get, fetch)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			asked, fetched := 0, 0
			get := func() (int, bool) { asked++; return 7, asked > 1 }
			fetch := func() (int, error) { fetched++; return 8, nil }
			v, err := tt.call(&singleflight.Group{}, get, fetch)
			if v != 7 || err != nil || fetched != 0 || asked != 2 {
				t.Errorf("got %d, %v after %d fetches and %d looks; want the cached 7, no fetch, 2 looks", v, err, fetched, asked)
			}
		})
	}
}

// A miss fetches; a fetch error is returned and nothing is cached.
func TestCachedFetchesOnAMiss(t *testing.T) {
	var g singleflight.Group
	miss := func() (int, bool) { return 0, false }
	if v, err := Cached(&g, "k", miss, func() (int, error) { return 8, nil }); v != 8 || err != nil {
		t.Errorf("got %d, %v; want 8", v, err)
	}
	boom := errors.New("boom")
	if _, err := CachedCtx(context.Background(), &g, "k", miss, func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	release := make(chan struct{})
	defer close(release)
	if _, err := CachedCtx(ctx, &g, "slow", miss, func() (int, error) { <-release; return 1, nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the caller's cancellation", err)
	}
}

// A hit answers without a flight; Cached returns a fetch's error.
func TestCachedHitAndError(t *testing.T) {
	var g singleflight.Group
	hit := func() (int, bool) { return 5, true }
	fail := func() (int, error) { t.Error("fetched on a hit"); return 0, nil }
	if v, err := Cached(&g, "k", hit, fail); v != 5 || err != nil {
		t.Errorf("got %d, %v; want the cached 5", v, err)
	}
	boom := errors.New("boom")
	miss := func() (int, bool) { return 0, false }
	if _, err := Cached(&g, "k", miss, func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Errorf("got %v, want boom", err)
	}
}
