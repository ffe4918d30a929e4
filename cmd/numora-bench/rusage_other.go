//go:build !unix

package main

import (
	"os"
	"time"
)

// rusage returns 0 for the peak RSS (not measured on this system) and the
// process's CPU time.
func rusage(ps *os.ProcessState) (maxRSS int64, cpu time.Duration) {
	return 0, ps.UserTime() + ps.SystemTime()
}
