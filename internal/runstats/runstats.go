// Package runstats measures the Go runtime of this process over a run,
// from runtime/metrics, for the connector's JSON summary: the peak heap
// and heap goal (sampled on a ticker), and the heap allocated, garbage
// collections and collector CPU over the run.
package runstats

import (
	"runtime/metrics"
	"sync"
	"time"

	"github.com/numora/numora-connector/connector"
)

// DefaultInterval is how often a Meter samples the heap: often enough
// that the peak it reports is short of the true one by at most what the
// process allocates in that time (under 1 MB in the open bench, about the
// resolution of GODEBUG=gctrace's MB figures), and rarely enough that
// sampling costs nothing measurable (one metrics.Read, under a
// microsecond in BenchmarkSample, 100 times a second).
const DefaultInterval = 10 * time.Millisecond

// The metrics read, in this order.
const (
	heapObjects = "/memory/classes/heap/objects:bytes"
	heapGoal    = "/gc/heap/goal:bytes"
	heapAllocs  = "/gc/heap/allocs:bytes"
	gcCycles    = "/gc/cycles/total:gc-cycles"
	gcCPU       = "/cpu/classes/gc/total:cpu-seconds"
)

// Meter is a connector.RuntimeMeter: Begin reads the cumulative figures
// and starts sampling the peaks every Interval; End stops sampling, takes
// one last sample and returns the run's figures. Use a new Meter or call
// Begin and End in turn; they must not overlap.
type Meter struct {
	// Interval is the sampling interval; zero means DefaultInterval.
	Interval time.Duration

	mu      sync.Mutex
	st      connector.RuntimeStats
	begin   reading
	samples []metrics.Sample
	stop    chan struct{}
	done    chan struct{}
}

// reading is one read of the metrics.
type reading struct {
	objects, goal, allocs, cycles uint64
	gcCPU                         float64
}

// Begin starts measuring (again, if a measurement was not ended).
func (m *Meter) Begin() {
	m.halt()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.samples == nil {
		m.samples = []metrics.Sample{{Name: heapObjects}, {Name: heapGoal}, {Name: heapAllocs}, {Name: gcCycles}, {Name: gcCPU}}
	}
	m.st = connector.RuntimeStats{SampleEveryMS: m.interval().Milliseconds()}
	m.begin = m.sampleLocked()
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	go m.loop(m.stop, m.done)
}

// End stops measuring and returns the figures since Begin.
func (m *Meter) End() connector.RuntimeStats {
	m.halt()
	m.mu.Lock()
	defer m.mu.Unlock()
	last := m.sampleLocked()
	m.st.HeapAllocatedBytes = last.allocs - m.begin.allocs
	m.st.GCCycles = last.cycles - m.begin.cycles
	m.st.GCCPUSeconds = last.gcCPU - m.begin.gcCPU
	return m.st
}

// halt stops the sampling goroutine, if one runs.
func (m *Meter) halt() {
	if m.stop != nil {
		close(m.stop)
		<-m.done
		m.stop = nil
	}
}

func (m *Meter) interval() time.Duration {
	if m.Interval > 0 {
		return m.Interval
	}
	return DefaultInterval
}

func (m *Meter) loop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(m.interval())
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			m.mu.Lock()
			m.sampleLocked()
			m.mu.Unlock()
		}
	}
}

// sampleLocked reads the metrics and raises the peaks.
func (m *Meter) sampleLocked() reading {
	metrics.Read(m.samples)
	r := reading{objects: uint64Of(m.samples[0]), goal: uint64Of(m.samples[1]), allocs: uint64Of(m.samples[2]),
		cycles: uint64Of(m.samples[3]), gcCPU: float64Of(m.samples[4])}
	m.st.Samples++
	m.st.HeapPeakBytes = max(m.st.HeapPeakBytes, r.objects)
	m.st.HeapGoalPeakBytes = max(m.st.HeapGoalPeakBytes, r.goal)
	return r
}

// uint64Of is a sample's value, or 0 when this Go release lacks it.
func uint64Of(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s.Value.Uint64()
}

func float64Of(s metrics.Sample) float64 {
	if s.Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s.Value.Float64()
}
