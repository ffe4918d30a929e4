package dataversetest

import (
	"net/http"
	"strconv"
	"time"
)

// extendPenalty returns the 429 for a request u sends while its last 429's
// Retry-After runs (Config.ExtendPenalties), or nil. The refused request
// starts that Retry-After again: Dataverse extends the duration for a
// client that keeps sending (dataverse.md §7); by how much Microsoft does
// not say.
func (l *limiter) extendPenalty(u *userWindow, now time.Time) *throttle {
	if !l.extend || u.penalty == nil || !now.Before(u.penaltyUntil) {
		return nil
	}
	l.extended++
	return u.penalty
}

// penalize starts u's penalty for the 429 th answered at now.
func (l *limiter) penalize(u *userWindow, now time.Time, th *throttle) {
	if l.extend {
		u.penalty, u.penaltyUntil = th, now.Add(th.retryAfter)
	}
}

// penalizeFault starts user's penalty for an injected 429 (a FaultStatus
// rule) with its Retry-After, as for one the limits answered.
func (l *limiter) penalizeFault(user string, resp *response) {
	if resp == nil || resp.status != http.StatusTooManyRequests {
		return
	}
	secs, err := strconv.Atoi(resp.header.Get("Retry-After"))
	if err != nil || secs <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.users[user]
	if u == nil {
		return
	}
	msg := limitMessages[resp.errCode]
	if msg == "" {
		msg = http.StatusText(http.StatusTooManyRequests)
	}
	l.penalize(u, l.clock(), &throttle{code: resp.errCode, message: msg, retryAfter: time.Duration(secs) * time.Second})
}

// PenaltyExtensions counts the requests refused because they arrived while
// their user's last 429 was still running (Config.ExtendPenalties): a
// client that honours every Retry-After, across all its senders, has none.
func (s *Server) PenaltyExtensions() int {
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	return s.limits.extended
}
