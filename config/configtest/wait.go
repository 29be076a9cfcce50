package configtest

import (
	"testing"
	"time"
)

// eventuallyWithin bounds Eventually generously: a watched folder or file is read again after a file
// notification or, failing one, the watcher's next poll, and a loaded test machine is slow.
const eventuallyWithin = 20 * time.Second

// Eventually polls cond until it holds, for a change a watcher has yet to take in, and fails the
// test when it still does not after eventuallyWithin.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventuallyWithin)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", eventuallyWithin, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
