package connector

import "sync"

// pools runs the steps of documents past their first stage, each stage on
// a pool of goroutines of its own, so that a slow stage (a write waiting
// for its $batch to fill, a callback) does not hold the workers reading
// the next documents.
type pools struct {
	in [stageReport + 1]chan func()
	wg [stageReport + 1]sync.WaitGroup
}

func newPools() *pools { return &pools{} }

// start runs n goroutines for stage s.
func (pl *pools) start(s stage, n int) {
	ch := make(chan func())
	pl.in[s] = ch
	for range max(n, 1) {
		pl.wg[s].Go(func() {
			for f := range ch {
				f()
			}
		})
	}
}

// submit hands f to stage s's pool, waiting for a free goroutine.
func (pl *pools) submit(s stage, f func()) { pl.in[s] <- f }

// close ends stage s once its pool has run everything submitted; a stage
// is closed after every stage that submits to it.
func (pl *pools) close(s stage) {
	close(pl.in[s])
	pl.wg[s].Wait()
}
