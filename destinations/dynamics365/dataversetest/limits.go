package dataversetest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter enforces the per-user service-protection limits over a sliding
// window (dataverse.md §7). Its clock is Config.Now.
type limiter struct {
	now func() time.Time

	mu     sync.Mutex
	limits Limits
	users  map[string]*userWindow
	// frozenAt, when set, is the windows' time instead of now, moved on by
	// moved: see Server.FreezeWindows.
	frozenAt time.Time
	moved    time.Duration
	// throttles receives the code of each 429, while it has room.
	throttles chan string
	// extend turns on penalties (Config.ExtendPenalties); extended counts
	// the requests refused for arriving during one.
	extend   bool
	extended int
}

// userWindow is one user's in-flight count and recent history.
type userWindow struct {
	inflight int
	requests []time.Time  // admission times of accepted requests, oldest first
	exec     []execRecord // execution time of finished requests, oldest first
	execSum  time.Duration
	// penalty is the last 429 answered, until penaltyUntil (ExtendPenalties).
	penalty      *throttle
	penaltyUntil time.Time
}

type execRecord struct {
	at time.Time
	d  time.Duration
}

// throttle is a 429 decision.
type throttle struct {
	code       string
	message    string
	retryAfter time.Duration
}

func newLimiter(l Limits, now func() time.Time, extend bool) *limiter {
	return &limiter{now: now, limits: normalizeLimits(l), users: map[string]*userWindow{},
		throttles: make(chan string, 4096), extend: extend}
}

// normalizeLimits fills zero fields with Microsoft's defaults.
func normalizeLimits(l Limits) Limits {
	if l.Concurrent == 0 {
		l.Concurrent = 52
	}
	if l.Requests == 0 {
		l.Requests = 6000
	}
	if l.ExecTime == 0 {
		l.ExecTime = 20 * time.Minute
	}
	if l.Window <= 0 {
		l.Window = 300 * time.Second
	}
	if l.ConcurrentRetryAfter <= 0 {
		l.ConcurrentRetryAfter = time.Second
	}
	return l
}

func (l *limiter) set(lim Limits) {
	l.mu.Lock()
	l.limits = normalizeLimits(lim)
	l.mu.Unlock()
}

func (l *limiter) get() Limits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits
}

// budget is what an accepted request leaves of the window's limits, for
// the x-ms-ratelimit-* headers; -1 when that limit is off.
type budget struct {
	requests int
	execTime time.Duration
}

// admit accepts a request from user or returns the 429 to send. An
// accepted request must call done with its execution time.
func (l *limiter) admit(user string) (done func(exec time.Duration), left budget, th *throttle) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now, lim := l.clock(), l.limits
	u := l.users[user]
	if u == nil {
		u = &userWindow{}
		l.users[user] = u
	}
	u.expire(now.Add(-lim.Window))
	th = l.extendPenalty(u, now)
	if th == nil {
		th = u.check(now, lim)
	}
	if th != nil {
		l.penalize(u, now, th)
		l.slide(th.retryAfter)
		select {
		case l.throttles <- th.code:
		default:
		}
		return nil, left, th
	}
	u.inflight++
	left = budget{requests: -1, execTime: -1}
	if lim.Requests > 0 {
		u.requests = append(u.requests, now)
		left.requests = lim.Requests - len(u.requests)
	}
	if lim.ExecTime > 0 {
		left.execTime = lim.ExecTime - u.execSum
	}
	return func(exec time.Duration) { l.finish(u, now, exec) }, left, nil
}

// check returns the 429 for a request from u at now, or nil.
func (u *userWindow) check(now time.Time, lim Limits) *throttle {
	if lim.Concurrent > 0 && u.inflight >= lim.Concurrent {
		return &throttle{codeConcurrencyLimit, fmt.Sprintf("Number of concurrent requests exceeded the limit of %d.", lim.Concurrent), lim.ConcurrentRetryAfter}
	}
	if lim.Requests > 0 && len(u.requests) >= lim.Requests {
		wait := u.requests[len(u.requests)-lim.Requests].Add(lim.Window).Sub(now)
		return &throttle{codeRequestsLimit, fmt.Sprintf("Number of requests exceeded the limit of %d over time window of %d seconds.", lim.Requests, int(lim.Window/time.Second)), wait}
	}
	if lim.ExecTime > 0 && u.execSum >= lim.ExecTime {
		return &throttle{codeExecTimeLimit, fmt.Sprintf("Combined execution time of incoming requests exceeded limit of %s milliseconds over time window of %d seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.", thousands(lim.ExecTime.Milliseconds()), int(lim.Window/time.Second)), u.execWait(now, lim)}
	}
	return nil
}

// clock is the windows' time: now, or the frozen time moved on by the
// Retry-After of each 429 answered since.
func (l *limiter) clock() time.Time {
	if l.frozenAt.IsZero() {
		return l.now()
	}
	return l.frozenAt.Add(l.moved)
}

// freeze stops the windows from sliding with l.now; see Server.FreezeWindows.
func (l *limiter) freeze() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.frozenAt.IsZero() {
		l.frozenAt = l.now()
	}
}

// slide moves frozen windows on by the Retry-After a 429 answers: by the
// time a client that honours it sends again, that much time has passed.
func (l *limiter) slide(retryAfter time.Duration) {
	if !l.frozenAt.IsZero() {
		l.moved += time.Duration(max((retryAfter+time.Second-1)/time.Second, 1)) * time.Second
	}
}

func (l *limiter) finish(u *userWindow, at time.Time, exec time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u.inflight--
	if exec > 0 && l.limits.ExecTime > 0 {
		u.exec = append(u.exec, execRecord{at, exec})
		u.execSum += exec
	}
}

// expire drops history older than cutoff.
func (u *userWindow) expire(cutoff time.Time) {
	i := 0
	for i < len(u.requests) && !u.requests[i].After(cutoff) {
		i++
	}
	if i > 0 {
		u.requests = append(u.requests[:0], u.requests[i:]...)
	}
	j := 0
	for j < len(u.exec) && !u.exec[j].at.After(cutoff) {
		u.execSum -= u.exec[j].d
		j++
	}
	if j > 0 {
		u.exec = append(u.exec[:0], u.exec[j:]...)
	}
}

// execWait is how long until enough execution time leaves the window to
// get under the limit.
func (u *userWindow) execWait(now time.Time, lim Limits) time.Duration {
	sum := u.execSum
	for _, r := range u.exec {
		sum -= r.d
		if sum < lim.ExecTime {
			return r.at.Add(lim.Window).Sub(now)
		}
	}
	return lim.Window
}

// reset forgets all history.
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for name, u := range l.users {
		if u.inflight == 0 {
			delete(l.users, name)
			continue
		}
		u.requests, u.exec, u.execSum, u.penalty = nil, nil, 0, nil
	}
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

func (th *throttle) response() *response {
	r := errorResponse(http.StatusTooManyRequests, th.code, th.message)
	r.header.Set("Retry-After", retryAfterSeconds(th.retryAfter))
	return r
}

// thousands formats 1200000 as "1,200,000".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
