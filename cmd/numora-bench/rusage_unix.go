//go:build unix

package main

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// rusage returns a finished process's peak resident set size in bytes and
// its CPU time (user + system), from wait4's rusage. On Linux the peak can
// be the parent's (see watchRSS), which runChild prefers.
func rusage(ps *os.ProcessState) (maxRSS int64, cpu time.Duration) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, ps.UserTime() + ps.SystemTime()
	}
	maxRSS = int64(ru.Maxrss)
	if runtime.GOOS != "darwin" { // Linux and the BSDs count kilobytes, macOS bytes
		maxRSS *= 1024
	}
	return maxRSS, ps.UserTime() + ps.SystemTime()
}
