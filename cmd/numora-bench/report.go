package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/destinations/dynamics365"
	"github.com/numora/numora-connector/destinations/dynamics365/dataversetest"
)

// benchRow is one line of the table.
type benchRow struct {
	name      string
	docs      int // documents seeded
	delivered int
	failed    int // failed or left for retry
	elapsed   time.Duration
	dvReqs    int64 // Dataverse requests, 429s included
	nmReqs    int64 // Numora requests
	tokens    int64 // token requests
	throttled int64 // 429s from Dataverse
	ideal     *bound
	steady    rate      // the steady-state bound
	sustained float64   // docs/s over the second half of the run
	child     *childRun // nil for the baseline
}

func (r benchRow) docsPerSecond() float64 { return float64(r.delivered) / r.elapsed.Seconds() }

func (r benchRow) ratio() float64 {
	if r.ideal == nil || r.ideal.elapsed <= 0 {
		return 0
	}
	return r.elapsed.Seconds() / r.ideal.elapsed.Seconds()
}

// benchMode runs the connector once against fresh emulators.
func benchMode(ctx context.Context, o benchOptions, m mode, p *progress) (benchRow, error) {
	spec, name := o.env, m.name
	spec.limits, spec.execTime = noLimits, m.execTime
	if m.limited {
		spec.limits = o.limits
	}
	if m.name == "exec" {
		spec.limits.Requests = -1 // so that the execution budget binds
	}
	env, err := startBenchEnv(spec)
	if err != nil {
		return benchRow{}, err
	}
	defer env.close()
	var args []string
	if o.announceLimits || o.batchDocuments > 0 {
		if args, err = env.configure(o.announceLimits, spec.limits, o.batchDocuments); err != nil {
			return benchRow{}, err
		}
	}
	p.begin(name, spec.docs, env.slow.delivered)
	child, err := runChild(ctx, o.binary, env, o.concurrency, args...)
	if err != nil {
		return benchRow{}, err
	}
	p.end(child.counts.Delivered, child.elapsed)
	st := env.dv.Stats()
	row := benchRow{name: name, docs: spec.docs, child: child, elapsed: child.elapsed,
		delivered: child.counts.Delivered, failed: child.counts.Failed + child.counts.LeftForRetry,
		dvReqs: st.Requests, nmReqs: env.slow.requests.Load(), tokens: st.TokenRequests}
	for _, n := range st.Throttled {
		row.throttled += n
	}
	in := boundFor(o, spec, st)
	b := idealBound(in)
	row.ideal, row.steady, row.sustained = &b, steadyRate(in), env.slow.sustained()
	return row, nil
}

// batchDocumentsOf is the connector's dynamics.batch_documents in the
// bench: --batch-documents, else its default.
func (o benchOptions) batchDocumentsOf() int {
	if o.batchDocuments > 0 {
		return min(o.batchDocuments, dynamics365.MaxBatchDocuments)
	}
	return dynamics365.MaxBatchDocuments
}

// boundFor fills the bound's inputs from the options and the emulator's
// counters (the requests that write no document: preflight, metadata,
// lookups).
func boundFor(o benchOptions, spec envSpec, st dataversetest.Stats) boundInput {
	in := boundInput{docs: spec.docs, opsPerDoc: 1 + spec.lines, latency: spec.latency, execTime: spec.execTime,
		concurrency: o.concurrencyOf(), dvConcurrency: 52, docsPerRequest: o.batchDocumentsOf(),
		extraRequests: int(st.Requests - st.Batches)}
	l := spec.limits
	if l.Concurrent > 0 {
		in.dvConcurrency = min(in.dvConcurrency, l.Concurrent)
	}
	if l.Requests > 0 {
		in.windowRequests = l.Requests
	}
	if l.ExecTime > 0 {
		in.windowExec = l.ExecTime
	}
	in.window = l.Window
	return in
}

// benchSequential runs the baseline on fresh emulators without limits.
func benchSequential(ctx context.Context, o benchOptions, p *progress) (*benchRow, error) {
	spec := o.env
	spec.docs, spec.limits = o.baselineDocs, noLimits
	env, err := startBenchEnv(spec)
	if err != nil {
		return nil, err
	}
	defer env.close()
	p.begin("sequential", spec.docs, env.slow.delivered)
	n, elapsed, err := runSequential(ctx, env, o.baselineDocs)
	if err != nil {
		return nil, err
	}
	p.end(n, elapsed)
	st := env.dv.Stats()
	return &benchRow{name: "sequential", docs: spec.docs, delivered: n, failed: spec.docs - n, elapsed: elapsed,
		dvReqs: st.Requests, nmReqs: env.slow.requests.Load()}, nil
}

// benchReport is the table and its verdict.
type benchReport struct {
	opts     benchOptions
	started  time.Time
	rows     []benchRow
	baseline *benchRow
}

func (r *benchReport) write(w io.Writer) {
	o := r.opts
	fmt.Fprintf(w, "numora-bench: invoices with %d line items, latency %v per request, execution %v per operation, "+
		"concurrency %d, GOMAXPROCS %d\n", o.env.lines, o.env.latency, o.env.execTime, o.concurrencyOf(), runtime.GOMAXPROCS(0))
	if o.mode != "open" {
		l := o.limits
		fmt.Fprintf(w, "limited mode: %d concurrent, %d requests and %v execution per %v window (told to the connector: %v); "+
			"exec mode: the same without the request limit, execution %v per operation\n\n", l.Concurrent, l.Requests, l.ExecTime, l.Window, o.announceLimits, o.execModeTime)
	} else {
		fmt.Fprintln(w)
	}
	if o.batchDocuments > 0 {
		fmt.Fprintf(w, "documents per $batch: at most %d (dynamics.batch_documents)\n\n", o.batchDocuments)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tdocs\tfailed\tdocs/s\tDV req/doc\tNumora req/doc\t429s\telapsed\tideal\tbound by\telapsed/ideal\t"+
		"sustained docs/s\tof steady bound\tpeak heap\tpeak RSS\tCPU s/1k docs\t")
	for _, row := range r.rows {
		fmt.Fprintln(tw, row.line())
	}
	if r.baseline != nil {
		fmt.Fprintln(tw, r.baseline.line())
	}
	tw.Flush()
	r.writeNotes(w)
}

func (row benchRow) line() string {
	per := func(n int64) string { return fmt.Sprintf("%.2f", float64(n)/float64(max(row.delivered, 1))) }
	cells := []string{row.name, fmt.Sprint(row.docs), fmt.Sprint(row.failed), fmt.Sprintf("%.1f", row.docsPerSecond()),
		per(row.dvReqs), per(row.nmReqs)}
	if row.child == nil {
		cells = append(cells, "-", round(row.elapsed), "-", "-", "-", "-", "-", "-", "-", "-")
		return strings.Join(cells, "\t") + "\t"
	}
	c := row.child
	heap := "-" // a connector that does not report its runtime figures
	if c.runtime != nil {
		heap = mib(int64(c.runtime.HeapPeakBytes))
	}
	cells = append(cells, fmt.Sprint(row.throttled), round(row.elapsed), round(row.ideal.elapsed), row.ideal.by,
		fmt.Sprintf("%.2f", row.ratio()), fmt.Sprintf("%.1f", row.sustained),
		fmt.Sprintf("%.0f%%", 100*row.sustained/row.steady.docsPerSecond), heap, mib(c.maxRSS),
		fmt.Sprintf("%.3f", c.cpu.Seconds()*1000/float64(max(row.delivered, 1))))
	return strings.Join(cells, "\t") + "\t"
}

func (r *benchReport) writeNotes(w io.Writer) {
	fmt.Fprintln(w)
	for _, row := range r.rows {
		fmt.Fprintf(w, "%s: ideal %.1f docs/s over the run (%s), %.1f docs/s sustained (%s); %.2f%% of Dataverse requests got 429; "+
			"%d token request(s); process wall %v, %s, %d throttling pauses",
			row.name, row.ideal.docsPerSecond(row.docs), row.ideal.by, row.steady.docsPerSecond, row.steady.by,
			100*float64(row.throttled)/float64(max(row.dvReqs, 1)), row.tokens, round(row.child.wall), gcs(row.child.runtime),
			row.child.throttle.Waits)
		if b := r.baseline; b != nil && b.delivered > 0 {
			fmt.Fprintf(w, "; %.1f× the sequential baseline", row.docsPerSecond()/b.docsPerSecond())
		}
		fmt.Fprintln(w)
		if c := row.child; c.logLines > 0 {
			fmt.Fprintf(w, "  the connector logged %d warnings or errors (429 retries are warnings), the first:\n", c.logLines)
			for _, p := range c.problems {
				fmt.Fprintf(w, "    %s\n", p)
			}
		}
	}
	fmt.Fprintf(w, "peak heap: the child's own runtime/metrics, heap objects sampled every 10 ms during the pass; "+
		"peak RSS: the child's VmHWM (Linux; elsewhere rusage); CPU: the child's rusage. Bench total %v.\n",
		round(time.Since(r.started)))
}

// exitCode is 1 when a document was not delivered or a ratio is over the
// limit.
func (r *benchReport) exitCode(stderr io.Writer) int {
	code := exitOK
	rows := append([]benchRow(nil), r.rows...)
	if r.baseline != nil {
		rows = append(rows, *r.baseline)
	}
	for _, row := range rows {
		if row.delivered != row.docs {
			fmt.Fprintf(stderr, "numora-bench: %s: %d of %d documents delivered\n", row.name, row.delivered, row.docs)
			code = exitProblems
		}
		if m := r.opts.maxRatio; m > 0 && row.ideal != nil && row.ratio() > m {
			fmt.Fprintf(stderr, "numora-bench: %s: elapsed/ideal %.2f exceeds --max-ratio %.2f\n", row.name, row.ratio(), m)
			code = exitProblems
		}
	}
	return code
}

func round(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

// gcs says how many collections ran during the pass.
func gcs(rt *connector.RuntimeStats) string {
	if rt == nil {
		return "GCs not reported"
	}
	return fmt.Sprintf("%d GCs", rt.GCCycles)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }
