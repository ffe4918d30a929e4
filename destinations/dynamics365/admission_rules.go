package dynamics365

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The rules of admission (see its doc comment), each over the state it
// keeps. Their methods run under admission.mu.

// Dataverse's service-protection codes (dataverse.md §7, §13).
const (
	codeRequestLimit     = "0x80072322" // requests per sliding window
	codeExecTimeLimit    = "0x80072321" // execution time per sliding window
	codeConcurrencyLimit = "0x80072326" // concurrent requests
	// throttleOther marks a 429 without one of the codes above.
	throttleOther = "429"
)

// reply is what admission learns from one request: whether the server
// answered, the 429's code (a service-protection code, throttleOther, or
// "" when it was no 429), the pause it asked for, and what its headers
// say.
type reply struct {
	answered     bool
	throttle     string
	retryAfter   time.Duration
	requestsLeft int           // x-ms-ratelimit-burst-remaining-xrm-requests; -1 when absent
	execLeft     time.Duration // x-ms-ratelimit-time-remaining-xrm-requests; -1 when absent
	dopHint      int           // x-ms-dop-hint; 0 when absent
}

// replyOf reads the reply of a request from its response (nil when it
// got none) and the error it ended with.
func replyOf(resp *response, err error) reply {
	o := reply{requestsLeft: -1, execLeft: -1}
	if resp == nil {
		return o
	}
	o.answered = true
	h := resp.header
	if n, err := strconv.Atoi(strings.ReplaceAll(h.Get("x-ms-ratelimit-burst-remaining-xrm-requests"), ",", "")); err == nil && n >= 0 {
		o.requestsLeft = n
	}
	if s, err := strconv.ParseFloat(strings.ReplaceAll(h.Get("x-ms-ratelimit-time-remaining-xrm-requests"), ",", ""), 64); err == nil && s >= 0 {
		o.execLeft = time.Duration(s * float64(time.Second))
	}
	o.dopHint, _ = strconv.Atoi(h.Get("x-ms-dop-hint"))
	if ce := classify(err); err != nil && ce != nil {
		o.retryAfter = ce.RetryAfter
	}
	if resp.status == http.StatusTooManyRequests {
		o.throttle = throttleOther
		if api, ok := asAPIError(err); ok {
			switch api.Code {
			case codeRequestLimit, codeExecTimeLimit, codeConcurrencyLimit:
				o.throttle = api.Code
			}
		}
	}
	return o
}

// pause is rule 1: the shared Retry-After pause.
type pause struct {
	until time.Time
	// count is the pauses begun; total the time paused, overlapping
	// pauses counted once.
	count int
	total time.Duration
}

// extend pauses until now+d unless a longer pause is in force.
func (p *pause) extend(now time.Time, d time.Duration) {
	t := now.Add(d)
	if !t.After(p.until) {
		return
	}
	from := p.until
	if !from.After(now) {
		from = now
		p.count++
	}
	p.total += t.Sub(from)
	p.until = t
}

func (p *pause) remaining(now time.Time) time.Duration { return max(p.until.Sub(now), 0) }

// concurrency is rule 2: the adaptive limit on requests in flight.
type concurrency struct {
	limit, max int
	hint       int // x-ms-dop-hint; 0 until known
	inflight   int
	credit     int  // answers since the limit last grew
	throttled  bool // a concurrency 429 ended the slow start
}

// answered adapts the limit to an answer; binding says every slot was
// taken when it came.
func (c *concurrency) answered(o reply, binding bool) {
	if o.dopHint > 0 {
		c.hint = o.dopHint
		c.limit = min(c.limit, c.ceiling())
	}
	switch {
	case o.throttle == codeConcurrencyLimit || o.throttle == throttleOther:
		c.limit, c.credit, c.throttled = max(1, c.limit/2), 0, true
	case o.throttle != "" || !o.answered || !binding:
	case !c.throttled:
		c.limit = min(c.limit+1, c.ceiling())
	default:
		if c.credit++; c.credit >= c.limit {
			c.credit = 0
			c.limit = min(c.limit+1, c.ceiling())
		}
	}
}

func (c *concurrency) ceiling() int {
	if c.hint > 0 {
		return min(c.max, c.hint)
	}
	return c.max
}

// window is rules 3 to 5: the request and execution budgets over the
// sliding window.
type window struct {
	length           time.Duration
	reqCfg, reqCap   int           // configured, and in force after 429s; 0 = off
	execCfg, execCap time.Duration // configured, and in force after 429s; 0 = off
	lowered          time.Time     // when a 429 last lowered a budget
	// reqSaid and execSaid are the budgets the x-ms-ratelimit-* headers of
	// the latest accepted answer imply; -1 when it had none.
	reqSaid     int
	execSaid    time.Duration
	heldSince   time.Time     // when a budget the headers lowered began to hold requests back
	answers     []answer      // answered requests within the window, oldest first
	execSum     time.Duration // their execution time, as estimated
	execMean    time.Duration // the recent average execution of an accepted request
	execMeanSet bool          // whether an accepted request was answered yet
	floor       time.Duration // the quickest answer yet: the network's share of every request
	floorKnown  bool
	last        time.Time // when the last request started
	bound       time.Time // when the request budget last held a request back
}

// answer is a request that counts against the budgets until at+length.
type answer struct {
	at   time.Time
	took time.Duration
}
