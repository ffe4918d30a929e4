package dynamics365

import "time"

// Limits are Dataverse's service-protection limits for one user, which
// the destination keeps to on its own (it does not wait for 429s to learn
// them). Zero fields take Microsoft's documented defaults; a negative
// field turns that budget off.
type Limits struct {
	// Requests is the requests allowed per Window; default 6,000.
	Requests int `yaml:"requests"`
	// ExecutionTime is the combined execution time allowed per Window;
	// default 20 minutes.
	ExecutionTime time.Duration `yaml:"execution_time"`
	// Window is the sliding window; default 300 seconds.
	Window time.Duration `yaml:"window"`
}

// withDefaults fills zero fields with Microsoft's defaults.
func (l Limits) withDefaults() Limits {
	if l.Requests == 0 {
		l.Requests = 6000
	}
	if l.ExecutionTime == 0 {
		l.ExecutionTime = 20 * time.Minute
	}
	if l.Window <= 0 {
		l.Window = 300 * time.Second
	}
	return l
}

func newWindow(l Limits) window {
	w := window{length: l.Window, reqCfg: max(l.Requests, 0), execCfg: max(l.ExecutionTime, 0), reqSaid: -1, execSaid: -1}
	w.reqCap, w.execCap = w.reqCfg, w.execCfg
	return w
}

// probeAfter bounds how long a budget that only the x-ms-ratelimit-*
// headers lowered holds requests back: then one request goes, and the
// server's answer says what is true (new headers, or a 429 whose
// Retry-After pauses every sender). Headers that are wrong, or a server
// whose window is shorter than Limits.Window, cannot stall a run.
const probeAfter = time.Second

// wait returns how long a request must wait for the budgets (rules 3 to
// 5), or blocked when it must wait for an answer instead; inflight is the
// requests sent and not answered, full whether the request carries a full
// batch.
func (w *window) wait(now time.Time, inflight int, full bool) (time.Duration, bool) {
	w.prune(now)
	w.recover(now)
	count := len(w.answers) + inflight
	if w.reqCap > 0 && count >= w.reqCap {
		w.bound = now
		if len(w.answers) == 0 {
			return 0, true // every request counted is in flight: an answer frees one
		}
		return max(w.answers[0].at.Add(w.length).Sub(now), time.Millisecond), false
	}
	if w.execCap > 0 {
		ahead := w.execAhead(inflight)
		switch {
		case ahead >= w.execCap:
			return 0, true // those in flight alone fill the budget: an answer says what they took
		case w.execSum+ahead >= w.execCap:
			return w.execWait(now, w.execCap-ahead), false
		}
	}
	if d, blocked := w.heldBySaid(now, count); d > 0 || blocked {
		return d, blocked
	}
	if !full {
		if d := w.last.Add(w.partialWait(now, count, inflight)).Sub(now); d > 0 {
			return d, false
		}
	}
	return 0, false
}

// partialWait is how long after the last request started one whose batch
// could carry more documents waits for them (rule 5): none while the
// request budget is plentiful; the budget's even pace once an eighth of
// it is spent in the window; and MaxBatchDocuments times that while
// requests are in flight (their answers free workers that bring more
// documents) within a window after the budget held a request back: the
// run is bound by the budget, and every request saved is time saved.
func (w *window) partialWait(now time.Time, count, inflight int) time.Duration {
	if w.reqCap <= 0 {
		return 0
	}
	pace := w.length / time.Duration(w.reqCap)
	switch {
	case inflight > 0 && !w.bound.IsZero() && now.Before(w.bound.Add(w.length)):
		return MaxBatchDocuments * pace
	case 8*count >= w.reqCap:
		return pace
	}
	return 0
}

// heldBySaid holds a request back while the budgets the headers imply are
// spent: until what they count leaves the window, but at most probeAfter
// since they began to hold requests back; then this request goes as the
// probe.
func (w *window) heldBySaid(now time.Time, count int) (time.Duration, bool) {
	var d time.Duration
	switch {
	case w.reqSaid >= 0 && w.reqCap > 0 && count >= w.reqSaid:
		if len(w.answers) == 0 {
			return 0, true
		}
		d = w.answers[0].at.Add(w.length).Sub(now)
	case w.execSaid >= 0 && w.execCap > 0 && w.execSum >= w.execSaid:
		d = w.execWait(now, w.execSaid)
	default:
		w.heldSince = time.Time{}
		return 0, false
	}
	if w.heldSince.IsZero() {
		w.heldSince = now
	}
	probe := w.heldSince.Add(probeAfter).Sub(now)
	if probe <= 0 {
		w.heldSince = time.Time{}
		return 0, false
	}
	return max(min(d, probe), time.Millisecond), false
}

// execAhead estimates the execution of the requests in flight, which the
// server counts once they are answered: each as much as the recent
// average (none before the first answer).
func (w *window) execAhead(inflight int) time.Duration {
	return w.execMean * time.Duration(inflight)
}

// meanExec moves the average execution per request towards took: the
// first answer sets it, each later one moves it by a quarter of the
// difference.
func (w *window) meanExec(took time.Duration) {
	if w.execMeanSet {
		w.execMean += (took - w.execMean) / 4
		return
	}
	w.execMean, w.execMeanSet = took, true
}

// execWait is how long until enough answers leave the window to bring
// the execution time under budget.
func (w *window) execWait(now time.Time, budget time.Duration) time.Duration {
	sum := w.execSum
	for _, a := range w.answers {
		sum -= a.took
		if sum < budget {
			return max(a.at.Add(w.length).Sub(now), time.Millisecond)
		}
	}
	return w.length
}

// started notes that a request started at now.
func (w *window) started(now time.Time) { w.last = now }

// answered counts a request answered at now after took, less the
// quickest answer seen (a refused one counts as a request, not as
// execution time), and applies what the server said (see admission);
// inflight no longer counts it.
func (w *window) answered(now time.Time, took time.Duration, inflight int, o reply) {
	if w.reqCap == 0 && w.execCap == 0 {
		return
	}
	w.prune(now)
	switch o.throttle {
	case codeRequestLimit:
		if n := len(w.answers) + inflight; w.reqCap > 0 && 2*n >= w.reqCap {
			w.reqCap, w.lowered = max(1, n-max(1, n/50)), now
		}
	case codeExecTimeLimit:
		if w.execCap > 0 && 2*w.execSum >= w.execCap {
			w.execCap, w.lowered = max(w.execSum-w.execSum/50, time.Millisecond), now
		}
	}
	if o.answered && (!w.floorKnown || took < w.floor) {
		w.floor, w.floorKnown = took, true
	}
	took = max(took-w.floor, 0) // the network's share is no execution
	if o.throttle != "" {
		took = 0 // refused before running; it may still count as a request
	}
	w.answers = append(w.answers, answer{at: now, took: took})
	w.execSum += took
	if o.answered && o.throttle == "" {
		w.meanExec(took)
	}
	if o.answered && o.throttle == "" {
		w.heed(inflight, o)
	}
}

// heed notes the budgets the headers of an accepted answer imply: what
// this destination counts plus what the server says is left. They only
// ever hold requests back (heldBySaid), never beyond the budgets in force;
// the next accepted answer replaces them. A refused request's headers are
// not heeded: its code says which limit it hit.
func (w *window) heed(inflight int, o reply) {
	w.reqSaid, w.execSaid = -1, -1
	if o.requestsLeft >= 0 {
		w.reqSaid = max(1, len(w.answers)+inflight+o.requestsLeft)
	}
	if o.execLeft >= 0 {
		w.execSaid = max(w.execSum+o.execLeft, time.Millisecond)
	}
}

// budgets returns the request and execution budgets in force, the
// headers' included (0 = off).
func (w *window) budgets(now time.Time) (int, time.Duration) {
	w.recover(now)
	req, exec := w.reqCap, w.execCap
	if w.reqSaid >= 0 && req > 0 {
		req = min(req, w.reqSaid)
	}
	if w.execSaid >= 0 && exec > 0 {
		exec = min(exec, w.execSaid)
	}
	return req, exec
}

// recover restores the configured budgets a window after a 429 last
// lowered them.
func (w *window) recover(now time.Time) {
	if !w.lowered.IsZero() && !now.Before(w.lowered.Add(w.length)) {
		w.reqCap, w.execCap, w.lowered = w.reqCfg, w.execCfg, time.Time{}
	}
}

// prune forgets the answers that left the window by now.
func (w *window) prune(now time.Time) {
	i := 0
	for i < len(w.answers) && !w.answers[i].at.Add(w.length).After(now) {
		w.execSum -= w.answers[i].took
		i++
	}
	if i > 0 {
		w.answers = append(w.answers[:0], w.answers[i:]...)
	}
}
