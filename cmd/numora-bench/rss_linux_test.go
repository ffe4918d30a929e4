//go:build linux

package main

import (
	"os"
	"testing"
	"time"
)

func TestWatchRSS(t *testing.T) {
	stop := make(chan struct{})
	peak := watchRSS(os.Getpid(), time.Millisecond, stop)
	close(stop)
	if got := <-peak; got < 1<<20 || got > 1<<40 {
		t.Errorf("peak RSS of this test process: %d bytes, want between 1 MB and 1 TB", got)
	}
	if _, err := readHWM(-1); err == nil {
		t.Error("readHWM(-1): want an error")
	}
}
