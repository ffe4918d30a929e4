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
	// FaultPass lets a matching request through untouched. Added before
	// broader rules it exempts requests from them: FaultPass on "WhoAmI"
	// followed by a FaultStatus on every path is "down after the preflight".
	FaultPass
	// FaultResponse answers Status (default 200) with Header and Body as
	// given, for malformed, oversized or redirecting answers. With
	// AfterWrite the request is applied first and its answer replaced.
	FaultResponse
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
	// Status is the FaultStatus code (500, 503, 504…); default 503. It is
	// also FaultResponse's status (default 200).
	Status int
	// Code and Message replace a FaultStatus error body's code and message.
	// With Status 429 and one of the service-protection codes (CodeRequests,
	// CodeExecutionTime, CodeConcurrency) the message defaults to
	// Dataverse's for that limit.
	Code, Message string
	// Header and Body are FaultResponse's answer.
	Header http.Header
	Body   []byte
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
	switch {
	case f.Kind == FaultStatus && f.Status == 0:
		f.Status = http.StatusServiceUnavailable
	case f.Kind == FaultResponse && f.Status == 0:
		f.Status = http.StatusOK
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

// The service-protection error codes (dataverse.md §7), for Fault.Code.
const (
	CodeRequests      = codeRequestsLimit    // 0x80072322: requests per window
	CodeExecutionTime = codeExecTimeLimit    // 0x80072321: execution time per window
	CodeConcurrency   = codeConcurrencyLimit // 0x80072326: concurrent requests
)

// limitMessages are Dataverse's messages for the service-protection codes
// at their default limits.
var limitMessages = map[string]string{
	CodeRequests:      "Number of requests exceeded the limit of 6000 over time window of 300 seconds.",
	CodeExecutionTime: "Combined execution time of incoming requests exceeded limit of 1,200,000 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
	CodeConcurrency:   "Number of concurrent requests exceeded the limit of 52.",
}

// rawResponse is the answer a FaultResponse sends.
func (f *Fault) rawResponse() *response {
	h := http.Header{}
	for k, v := range f.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	return &response{status: f.Status, header: h, body: f.Body, failed: f.Status >= 400}
}

// statusResponse is the error a FaultStatus sends.
func (f *Fault) statusResponse() *response {
	if f.Code != "" || f.Message != "" {
		msg := f.Message
		if msg == "" {
			msg = limitMessages[f.Code]
		}
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		r := errorResponse(f.Status, f.Code, msg)
		if f.RetryAfter > 0 {
			r.header.Set("Retry-After", retryAfterSeconds(f.RetryAfter))
		}
		return r
	}
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
