package connector

// RuntimeMeter measures the Go runtime of the process over a run, for the
// JSON summary (JSONSummary.MeasureRuntime). Begin is called when a run
// starts, End when it finishes, once each per run and never at the same
// time; End returns what was measured since Begin.
type RuntimeMeter interface {
	Begin()
	End() RuntimeStats
}

// RuntimeStats are the process's heap and garbage-collector figures over
// one run, as the JSON summary's "runtime" object. Byte counts and cycles
// are the run's own (differences between its start and its finish), except
// the peaks, which are the largest values sampled during the run.
type RuntimeStats struct {
	// HeapPeakBytes is the largest heap seen: bytes in heap objects, live
	// or not yet swept (runtime/metrics /memory/classes/heap/objects:bytes).
	HeapPeakBytes uint64 `json:"heap_peak_bytes"`
	// HeapGoalPeakBytes is the largest heap goal seen: the size the
	// collector aimed to keep the heap under (/gc/heap/goal:bytes).
	HeapGoalPeakBytes uint64 `json:"heap_goal_peak_bytes"`
	// HeapAllocatedBytes is what the run allocated on the heap in all
	// (/gc/heap/allocs:bytes).
	HeapAllocatedBytes uint64 `json:"heap_allocated_bytes"`
	// GCCycles counts the collections completed during the run
	// (/gc/cycles/total:gc-cycles).
	GCCycles uint64 `json:"gc_cycles"`
	// GCCPUSeconds is the runtime's estimate of the CPU time the collector
	// used (/cpu/classes/gc/total:cpu-seconds).
	GCCPUSeconds float64 `json:"gc_cpu_seconds"`
	// Samples is how many times the peaks were read; SampleEveryMS the
	// interval between reads.
	Samples       int   `json:"samples"`
	SampleEveryMS int64 `json:"sample_every_ms"`
}
