package dataversetest

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FaultKind is what an injected fault does to a Web API request.
type FaultKind int

// Fault kinds.
const (
	// FaultStatus answers with Fault.Status (default 503) and a Dataverse
	// error body; the request is not applied.
	FaultStatus FaultKind = iota
	// FaultDrop closes the connection without a response. With
	// AfterWrite the request is applied first ("the write may or may not
	// have happened").
	FaultDrop
	// FaultSlow waits Delay before answering (before applying the request,
	// or after it with AfterWrite), to exceed a client timeout.
	FaultSlow
)

// Fault is one fault-injection rule. A rule matches requests by Method and
// Path prefix; Count and Fraction choose which matching requests fault.
type Fault struct {
	Kind FaultKind
	// Method matches the HTTP method ("" = any).
	Method string
	// Path matches the start of the decoded path below the service root,
	// e.g. "$batch", "new_vendorinvoices", "WhoAmI" ("" = any).
	Path string
	// Status is the FaultStatus code (500, 503, 504…); default 503.
	Status int
	// RetryAfter, when > 0, adds a Retry-After header to a FaultStatus.
	RetryAfter time.Duration
	// Delay is the FaultSlow wait.
	Delay time.Duration
	// AfterWrite applies the request before FaultDrop or FaultSlow.
	AfterWrite bool
	// Fraction is the probability that a matching request faults (drawn
	// from the seeded generator); 0 = every matching request.
	Fraction float64
	// Count limits the rule to this many faults, after which it is spent;
	// 0 = unlimited.
	Count int
}

// faultSet holds the active rules and the seeded generator.
type faultSet struct {
	mu    sync.Mutex
	rules []*Fault
	rng   *rand.Rand
}

func newFaultSet(seed int64) *faultSet {
	return &faultSet{rng: rand.New(rand.NewPCG(uint64(seed), 0x2545f4914f6cdd1d))}
}

func (fs *faultSet) add(f Fault) {
	if f.Kind == FaultStatus && f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
	}
	fs.mu.Lock()
	fs.rules = append(fs.rules, &f)
	fs.mu.Unlock()
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	fs.rules = nil
	fs.mu.Unlock()
}

// pick returns the fault for a request, or nil.
func (fs *faultSet) pick(method, path string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.rules {
		if (f.Method != "" && f.Method != method) || !strings.HasPrefix(path, f.Path) {
			continue
		}
		if f.Fraction > 0 && fs.rng.Float64() >= f.Fraction {
			continue
		}
		picked := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		return &picked
	}
	return nil
}

// statusResponse is the error a FaultStatus sends.
func (f *Fault) statusResponse() *response {
	var r *response
	switch f.Status {
	case http.StatusInternalServerError:
		r = errorResponse(f.Status, codeUnexpected, "An unexpected error occurred.")
	case http.StatusGatewayTimeout:
		r = errorResponse(f.Status, "", "The request timed out.")
	case http.StatusServiceUnavailable:
		r = errorResponse(f.Status, "", "Service Unavailable")
	default:
		r = errorResponse(f.Status, "", http.StatusText(f.Status))
	}
	if f.RetryAfter > 0 {
		r.header.Set("Retry-After", retryAfterSeconds(f.RetryAfter))
	}
	return r
}
