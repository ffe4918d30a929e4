package queue

import (
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkPut measures notifications accepted per second with every Put
// committed and fsync'd; -cpu and RunParallel's goroutines (GOMAXPROCS ×
// 16) stand for concurrent webhook requests sharing commits.
func BenchmarkPut(b *testing.B) {
	for _, par := range []int{1, 16, 64} {
		b.Run("concurrent="+strconv.Itoa(par), func(b *testing.B) {
			q, err := Open(filepath.Join(b.TempDir(), "q.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			var n atomic.Int64
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					id := "doc_" + strconv.FormatInt(i, 10)
					if _, err := q.Put(Notice{DocumentID: id, EventID: "evt_" + id}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
		})
	}
}
