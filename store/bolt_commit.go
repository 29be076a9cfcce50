package store

import (
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/bbolt"
)

// groupCommit coalesces concurrent writes into one bbolt transaction: bbolt has a single writer and
// each commit costs disk syncs, so writers that arrive while a commit runs share the next one instead
// of queueing for a commit each. A writer that finds no commit running commits at once, so an idle
// store adds no delay (bbolt's own Batch waits for a timer first).
type groupCommit struct {
	mu         sync.Mutex
	pending    []*commitCall
	committing bool
}

type commitCall struct {
	fn     func(*bbolt.Tx) error
	result chan commitResult
}

// commitResult is a write's outcome, or lead=true: the writer is to commit everything pending.
type commitResult struct {
	err  error
	lead bool
}

// errCallFailed marks a transaction rolled back because one call's fn failed.
var errCallFailed = errors.New("a write in the group failed")

// update runs fn in a write transaction shared with other concurrent writers. fn may run more than
// once (when another write of the group fails, the group is rolled back and run again without it),
// each time in a new transaction: it must start from what it reads in tx.
func (b *Bolt) update(fn func(*bbolt.Tx) error) error {
	call := &commitCall{fn: fn, result: make(chan commitResult, 1)}
	g := &b.commits
	g.mu.Lock()
	g.pending = append(g.pending, call)
	lead := !g.committing
	g.committing = true
	g.mu.Unlock()
	if !lead {
		r := <-call.result
		if !r.lead {
			return r.err
		}
	}

	g.mu.Lock()
	calls := g.pending
	g.pending = nil
	g.mu.Unlock()
	b.commit(calls)

	// Hand the next commit to a waiting writer rather than running it here, so that no writer
	// commits for others for ever under steady load.
	g.mu.Lock()
	if len(g.pending) > 0 {
		g.pending[0].result <- commitResult{lead: true}
	} else {
		g.committing = false
	}
	g.mu.Unlock()
	return (<-call.result).err
}

// commit runs calls in one transaction. A call whose fn fails is taken out, the others are run again
// without it, and it is run alone so that its own error, and only that, is its answer. Every call gets
// an answer whatever happens inside bbolt: a writer left without one would wait for ever.
func (b *Bolt) commit(calls []*commitCall) {
	for len(calls) > 0 {
		failed := -1
		err := b.transact(func(tx *bbolt.Tx) error {
			for i, c := range calls {
				if err := runCall(c.fn, tx); err != nil {
					failed = i
					return errCallFailed
				}
			}
			return nil
		})
		if failed < 0 || !errors.Is(err, errCallFailed) {
			for _, c := range calls {
				c.result <- commitResult{err: err}
			}
			return
		}
		alone := calls[failed]
		calls = append(calls[:failed:failed], calls[failed+1:]...)
		alone.result <- commitResult{err: b.transact(func(tx *bbolt.Tx) error { return runCall(alone.fn, tx) })}
	}
}

// transact runs one write transaction. A panic inside bbolt's commit marks the store damaged (bbolt
// panics on pages it cannot make sense of), as does a record that no longer decodes.
func (b *Bolt) transact(fn func(*bbolt.Tx) error) error { return b.guard(b.db.Update, fn) }

// runCall runs fn, turning a panic into its error: a panic would otherwise end the committing writer
// and leave every other writer waiting.
func runCall(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store write panicked: %v", p)
		}
	}()
	return fn(tx)
}
