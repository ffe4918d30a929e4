package destinations

import "time"

// ThrottleReporter is implemented by destinations (and sources) that count
// the pauses they took because the service throttled them or failed
// transiently. The counters are totals since construction; the connector's
// run summary shows the difference over a run. It is safe to call from any
// goroutine.
type ThrottleReporter interface {
	Throttling() (waits int, waited time.Duration)
}
