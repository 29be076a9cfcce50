package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// progressEvery is how often the progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// isTerminal reports whether f is a character device (a terminal), where a redrawn line makes sense.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// showProgress redraws a one-line bar on w until the returned stop is called; with a nil w it does
// nothing. extra, when not nil, adds to the line (the simulated time of a rate-limited run).
func showProgress(w io.Writer, name string, units int, done *atomic.Int64, rec *recorder, extra func() string) (stop func()) {
	if w == nil {
		return func() {}
	}
	start := time.Now()
	quit := make(chan struct{})
	finished := make(chan struct{})
	draw := func() {
		n := int(done.Load())
		elapsed := time.Since(start).Seconds()
		rate := 0.0
		if elapsed > 0 {
			rate = float64(rec.requests.Load()) / elapsed
		}
		line := fmt.Sprintf("\r%-26s %s %7d/%-7d %7.0f req/s", name, bar(n, units, 30), n, units, rate)
		if extra != nil {
			line += "  " + extra()
		}
		fmt.Fprint(w, line)
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				draw()
			case <-quit:
				draw()
				fmt.Fprintln(w)
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

func bar(done, total, width int) string {
	filled := width
	if total > 0 {
		filled = min(width, done*width/total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}
