package salesforce

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/numora/numora-connector/destinations"
)

// usage is the org's daily API usage as the last Sforce-Limit-Info header
// (or /limits) told it.
type usage struct {
	mu        sync.Mutex
	used, max int
	known     bool
}

// parseLimitInfo reads "api-usage=10018/100000" (possibly followed by
// "; api-bursts=1/750") and returns the used and maximum counts.
func parseLimitInfo(h string) (used, max int, ok bool) {
	for part := range strings.SplitSeq(h, ";") {
		k, v, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || !strings.EqualFold(k, "api-usage") {
			continue
		}
		u, m, found := strings.Cut(v, "/")
		used, err1 := strconv.Atoi(strings.TrimSpace(u))
		max, err2 := strconv.Atoi(strings.TrimSpace(m))
		if found && err1 == nil && err2 == nil && used >= 0 && max > 0 {
			return used, max, true
		}
	}
	return 0, 0, false
}

func (u *usage) observe(h string) {
	if used, max, ok := parseLimitInfo(h); ok {
		u.set(used, max)
	}
}

func (u *usage) set(used, max int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.used, u.max, u.known = used, max, true
}

// get returns the last known usage.
func (u *usage) get() (used, max int, known bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.used, u.max, u.known
}

// reserveError returns the transient error that refuses a new document
// when fewer than reserve daily requests remain, else nil.
func (u *usage) reserveError(reserve int) error {
	used, max, known := u.get()
	if !known || reserve < 0 || max-used >= reserve {
		return nil
	}
	e := transient("crm_api_reserve", fmt.Sprintf("Salesforce's daily API allocation is nearly used up "+
		"(%d of %d used, %d left, under the reserve of %d): not taking new documents until it recovers",
		used, max, max-used, reserve))
	e.Err = destinations.ErrReserve // the connector stops taking documents
	return e
}

func lower(s string) string { return strings.ToLower(s) }
