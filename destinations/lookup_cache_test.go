package destinations

import (
	"errors"
	"testing"
	"time"
)

func TestLookupCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	c := LookupCache[string]{TTL: time.Minute}
	fetches := 0
	answer, fail := "id-1", error(nil)
	fetch := func() (string, error) { fetches++; return answer, fail }
	steps := []struct {
		name        string
		advance     time.Duration
		fail        error
		want        string
		wantErr     bool
		wantFetches int
	}{
		{"a miss runs the query", 0, nil, "id-1", false, 1},
		{"within the TTL, remembered", 59 * time.Second, nil, "id-1", false, 1},
		{"at the TTL, asked again", time.Second, nil, "id-1", false, 2},
		{"an error is returned", time.Minute, errors.New("down"), "", true, 3},
		{"and not remembered", 0, nil, "id-1", false, 4},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		fail = s.fail
		got, err := c.Do("k", clock, fetch)
		if got != s.want || (err != nil) != s.wantErr || fetches != s.wantFetches {
			t.Errorf("%s: %q, %v after %d fetches; want %q, error %v after %d", s.name, got, err, fetches, s.want, s.wantErr, s.wantFetches)
		}
	}
}
