package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// virtualClock is the time the emulated Freshservice account and fsscim see in a simulated run. It
// runs at the speed of the real clock and jumps forward where the account would make its caller wait
// for the next rate window, so a plan's hours of provisioning pass in seconds while everything fsscim
// does by the clock (key re-checks, index refreshes) happens as often as it would in those hours.
type virtualClock struct {
	realStart time.Time
	base      time.Time
	skipped   atomic.Int64 // nanoseconds jumped over

	mu    sync.Mutex
	moved chan struct{} // closed (and replaced) whenever the clock jumps
	jumps int
}

// newVirtualClock starts a clock reading base now; base is a whole minute so that the first rate
// window is a full one.
func newVirtualClock(base time.Time) *virtualClock {
	return &virtualClock{realStart: time.Now(), base: base, moved: make(chan struct{})}
}

// Now reads the clock.
func (c *virtualClock) Now() time.Time {
	return c.base.Add(time.Since(c.realStart) + time.Duration(c.skipped.Load()))
}

// advanceTo moves the clock to t unless it is already there; concurrent callers asking for the same
// window start jump once.
func (c *virtualClock) advanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gap := t.Sub(c.Now()); gap > 0 {
		c.skipped.Add(int64(gap))
		c.jumps++
		close(c.moved)
		c.moved = make(chan struct{})
	}
}

// changed returns a channel closed at the next jump.
func (c *virtualClock) changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.moved
}

// jumpCount is how many times the clock jumped to the next minute.
func (c *virtualClock) jumpCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.jumps
}

// virtualStart is where a simulated run's clock starts: the current minute, so that rate windows
// line up with it.
func virtualStart() time.Time {
	return time.Now().UTC().Truncate(time.Minute)
}
