package main

import (
	"math"
	"time"
)

// boundInput is what the ideal bound depends on: the load, the latency,
// the concurrency the run may use and Dataverse's limits.
type boundInput struct {
	docs      int
	opsPerDoc int           // Dataverse operations per document (1 + lines)
	latency   time.Duration // per request, both services
	execTime  time.Duration // server execution time per operation
	// concurrency is the connector's documents in flight.
	concurrency int
	// dvConcurrency caps concurrent Dataverse requests (52, or the
	// emulator's lower concurrency limit).
	dvConcurrency int
	// docsPerRequest is the most documents one $batch may carry: the
	// connector's dynamics.batch_documents. Its writers hold that many
	// times its concurrency in Deliver.
	docsPerRequest int
	// extraRequests are the Dataverse requests that write nothing: the
	// preflight, metadata and lookups.
	extraRequests int
	// window limits; zero = off.
	windowRequests int
	windowExec     time.Duration
	window         time.Duration
}

// readRequests are the round trips that hold a document's worker: read
// the result. The write waits on the connector's writers and the callback,
// which needs the write's answer, on its finishers: neither holds a
// worker.
const readRequests = 1

// startRequests are the round trips a run makes before its first write,
// besides the document's own: the preflight (WhoAmI), the first outbox
// page, the tables' metadata and the first lookups (each set side by
// side).
const startRequests = 4

// bound is an ideal elapsed time and the limit that sets it.
type bound struct {
	elapsed time.Duration
	by      string
}

// docsPerSecond is the bound's throughput for n documents.
func (b bound) docsPerSecond(n int) float64 { return float64(n) / b.elapsed.Seconds() }

// idealBound returns the shortest time any client could deliver the load
// in, as the largest of five lower bounds (docs/performance.md derives
// them):
//
//   - pipeline: each document holds one of C workers for one round trip
//     (its result), so results are read in ⌈D/C⌉ waves; the last one's
//     write (alone: L + k·e) and callback (L) follow:
//     4·L + ⌈D/C⌉·L + (L + k·e) + L (the first 4·L: the preflight, the
//     first outbox page, the metadata, the lookups);
//   - writers: the connector's C·b writers each hold a document for at
//     least one write, L + k·e: ⌈D/(C·b)⌉·(L + k·e);
//   - Dataverse concurrency: Q requests of latency L and D·k operations of
//     execution e share at most Cdv slots: (Q·L + D·k·e)/Cdv, where
//     Q = ⌈D/b⌉ + extra is the fewest requests (b documents per $batch);
//   - request window: at most N requests in any window W, the first
//     window starting empty: W·(⌈Q/N⌉ − 1);
//   - execution window: at most M seconds of execution per window W:
//     W·(⌈E/M⌉ − 1), E = (D·k + extra)·e.
func idealBound(in boundInput) bound {
	L, e := in.latency.Seconds(), in.execTime.Seconds()
	d, k := float64(in.docs), float64(in.opsPerDoc)
	q := math.Ceil(d/float64(max(in.docsPerRequest, 1))) + float64(in.extraRequests)
	best := bound{by: "pipeline"}
	consider := func(by string, seconds float64) {
		if t := time.Duration(seconds * float64(time.Second)); t > best.elapsed {
			best = bound{elapsed: t, by: by}
		}
	}
	c, b := float64(max(in.concurrency, 1)), float64(max(in.docsPerRequest, 1))
	write := L + k*e
	consider("pipeline", startRequests*L+math.Ceil(d/c)*readRequests*L+write+L)
	consider("writers", math.Ceil(d/(c*b))*write)
	consider("Dataverse concurrency", (q*L+d*k*e)/float64(max(in.dvConcurrency, 1)))
	w := in.window.Seconds()
	if in.windowRequests > 0 && w > 0 {
		consider("request window", w*(math.Ceil(q/float64(in.windowRequests))-1))
	}
	if in.windowExec > 0 && w > 0 && e > 0 {
		exec := (d*k + float64(in.extraRequests)) * e
		consider("execution window", w*(math.Ceil(exec/in.windowExec.Seconds())-1))
	}
	return best
}

// rate is a steady-state throughput bound and the limit that sets it.
type rate struct {
	docsPerSecond float64
	by            string
}

// steadyRate returns the most documents per second any client could
// sustain once past the start (no first window starting empty). Sending b
// documents per $batch trades request count for time: a document waits
// for its whole batch. For the best b from 1 to the maximum, the rate is
// the smallest of
//
//   - pipeline: C/L (the workers read results);
//   - writers: C·B/(L + b·k·e) (C·B writers, B = the most per $batch);
//   - Dataverse concurrency: Cdv·b/(L + b·k·e);
//   - request window: N·b/W;
//   - execution window: M/(W·k·e).
func steadyRate(in boundInput) rate {
	var best rate
	for b := 1; b <= max(in.docsPerRequest, 1); b++ {
		if r := steadyRateFor(in, float64(b)); r.docsPerSecond > best.docsPerSecond {
			best = r
		}
	}
	return best
}

// steadyRateFor is steadyRate with b documents per $batch.
func steadyRateFor(in boundInput, b float64) rate {
	L, e, k := in.latency.Seconds(), in.execTime.Seconds(), float64(in.opsPerDoc)
	best := rate{docsPerSecond: math.Inf(1)}
	consider := func(by string, r float64) {
		if r > 0 && r < best.docsPerSecond {
			best = rate{docsPerSecond: r, by: by}
		}
	}
	c := float64(max(in.concurrency, 1))
	consider("pipeline", c/(readRequests*L))
	consider("writers", c*float64(max(in.docsPerRequest, 1))/(L+b*k*e))
	consider("Dataverse concurrency", float64(max(in.dvConcurrency, 1))*b/(L+b*k*e))
	w := in.window.Seconds()
	if in.windowRequests > 0 && w > 0 {
		consider("request window", float64(in.windowRequests)*b/w)
	}
	if in.windowExec > 0 && w > 0 && e > 0 {
		consider("execution window", in.windowExec.Seconds()/(w*k*e))
	}
	return best
}
