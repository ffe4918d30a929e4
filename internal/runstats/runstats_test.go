package runstats

import (
	"runtime"
	"testing"
	"time"
)

// TestMeter holds 8 MB live across two forced collections: whatever the
// ticker did, the last sample (taken by End) sees the 8 MB, both
// collections completed during the run, and 8 MB were allocated.
func TestMeter(t *testing.T) {
	const size = 8 << 20
	m := &Meter{Interval: time.Hour} // only Begin's and End's samples
	for range 2 {                    // a Meter is reusable
		m.Begin()
		held := make([]byte, size)
		runtime.GC()
		runtime.GC()
		st := m.End()
		runtime.KeepAlive(held)
		if st.HeapPeakBytes < size || st.HeapAllocatedBytes < size || st.GCCycles < 2 {
			t.Errorf("peak heap %d, allocated %d, %d GCs; want at least %d, %d and 2", st.HeapPeakBytes,
				st.HeapAllocatedBytes, st.GCCycles, size, size)
		}
		if st.HeapGoalPeakBytes == 0 || st.Samples != 2 || st.SampleEveryMS != time.Hour.Milliseconds() || st.GCCPUSeconds < 0 {
			t.Errorf("goal %d, %d samples every %d ms, GC CPU %v s", st.HeapGoalPeakBytes, st.Samples, st.SampleEveryMS, st.GCCPUSeconds)
		}
	}
}

func TestMeterDefaultInterval(t *testing.T) {
	m := &Meter{}
	m.Begin()
	if st := m.End(); st.SampleEveryMS != DefaultInterval.Milliseconds() || st.Samples < 2 {
		t.Errorf("sampled every %d ms, %d samples; want %d and at least 2", st.SampleEveryMS, st.Samples, DefaultInterval.Milliseconds())
	}
}

// BenchmarkSample is the cost of one sample: at DefaultInterval, 100 of
// them per second of a pass.
func BenchmarkSample(b *testing.B) {
	m := &Meter{Interval: time.Hour}
	m.Begin()
	defer m.End()
	for b.Loop() {
		m.mu.Lock()
		m.sampleLocked()
		m.mu.Unlock()
	}
}
