package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/fsscim/fsscim/store/record"
	"go.etcd.io/bbolt"
)

// ErrDamaged marks a store file that is not what fsscim wrote: cut short, or with pages overwritten.
// fsscim cannot tell what in it is still right, so it refuses to use it.
var ErrDamaged = errors.New("store damaged: move it aside or restore it")

// damagedError names the file and what was found wrong with it.
type damagedError struct {
	path  string
	cause error
}

func (e *damagedError) Error() string {
	return fmt.Sprintf("%s (%s: %v)", ErrDamaged, e.path, e.cause)
}

func (e *damagedError) Is(target error) bool { return target == ErrDamaged }

func (e *damagedError) Unwrap() error { return e.cause }

// corruptError marks a value fsscim itself wrote that no longer decodes: the page holding it changed.
type corruptError struct{ err error }

func (e corruptError) Error() string { return e.err.Error() }
func (e corruptError) Unwrap() error { return e.err }

func corrupt(err error) error { return corruptError{err} }

// panicError is a panic inside bbolt, turned into an error.
type panicError struct{ value any }

func (e panicError) Error() string { return fmt.Sprintf("bbolt failed on the file: %v", e.value) }

// guarded runs fn and turns a panic into a panicError. bbolt panics on a page it cannot make sense
// of, and a read past the end of a file cut short faults in the memory map; SetPanicOnFault makes the
// fault a panic of this goroutine rather than the end of the process.
func guarded(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = panicError{p}
		}
	}()
	return fn()
}

// isDamage reports whether err says the file is damaged: a panic of bbolt, or a record that no
// longer decodes.
func isDamage(err error) bool {
	var pe panicError
	var ce corruptError
	return errors.As(err, &pe) || errors.As(err, &ce)
}

// view runs a read transaction. A panic inside it, or a record that no longer decodes, marks the store
// damaged: such a file gives wrong or no answers until it is replaced.
func (b *Bolt) view(fn func(*bbolt.Tx) error) error { return b.guard(b.db.View, fn) }

// guard runs fn in a transaction of run (bbolt's View or Update) unless the store is known damaged,
// and marks it damaged when the transaction panics or meets a record that does not decode.
func (b *Bolt) guard(run func(func(*bbolt.Tx) error) error, fn func(*bbolt.Tx) error) error {
	if err := b.damage(); err != nil {
		return err
	}
	err := guarded(func() error { return run(fn) })
	if isDamage(err) {
		return b.markDamaged(err)
	}
	return err
}

// markDamaged remembers that the file is damaged, so that every later call and Ping fail at once, and
// returns the error saying so.
func (b *Bolt) markDamaged(cause error) error {
	d := &damagedError{path: b.path, cause: cause}
	b.damaged.CompareAndSwap(nil, d)
	return b.damaged.Load()
}

// damage is the error that marked the store damaged, or nil.
func (b *Bolt) damage() error {
	if d := b.damaged.Load(); d != nil {
		return d
	}
	return nil
}

// openChecked opens the bbolt file and checks it through, so that a damaged file is refused at start
// rather than found one record at a time while serving.
func openChecked(path string, opts *bbolt.Options) (db *bbolt.DB, err error) {
	err = guarded(func() error {
		var err error
		db, err = bbolt.Open(path, 0o600, opts)
		return err
	})
	if isDamage(err) {
		// bbolt panics opening a file cut short before its free list.
		return nil, &damagedError{path: path, cause: err}
	}
	if err != nil {
		return nil, err
	}
	if cerr := checkFile(db, path); cerr != nil {
		_ = db.Close()
		return nil, &damagedError{path: path, cause: cerr}
	}
	return db, nil
}

// checkFile checks a store file: it must be as long as its own header says, every bucket and record
// must be readable and every record must decode, and bbolt's consistency check must pass. Reading
// every page of a store this small takes milliseconds.
func checkFile(db *bbolt.DB, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return guarded(func() error {
		return db.View(func(tx *bbolt.Tx) error {
			if info.Size() < tx.Size() {
				return fmt.Errorf("the file holds %d bytes of the %d its header names: it was cut short", info.Size(), tx.Size())
			}
			// Walking every record first (in this goroutine, where a fault is a panic) proves the
			// pages can be read before bbolt's own check, which runs in a goroutine of its own.
			if err := tx.ForEach(func(name []byte, b *bbolt.Bucket) error { return checkBucket(string(name), b) }); err != nil {
				return err
			}
			var first error
			for err := range tx.Check() { // drained: the check goroutine uses tx until it ends
				if first == nil {
					first = err
				}
			}
			return first
		})
	})
}

// checkBucket reads every record under a top-level bucket and decodes those fsscim writes as JSON.
func checkBucket(top string, b *bbolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				return checkBucket(top, child)
			}
			return fmt.Errorf("%s: key %q is neither a record nor a bucket", top, k)
		}
		var into any
		switch top {
		case string(bucketUsers):
			into = &record.UserRecord{}
		case string(bucketGroups):
			into = &record.GroupRecord{}
		case string(bucketCreates):
			into = &storedCreate{}
		case string(bucketMirror):
			into = &mirrorMark{}
		default:
			return nil
		}
		if err := json.Unmarshal(v, into); err != nil {
			return fmt.Errorf("%s: record %q does not decode: %w", top, k, err)
		}
		return nil
	})
}

// RecordsComplete reports whether the store answers for its records: not once it was found damaged.
// An answer from a copy kept apart from the records (the directory replica) then reads the record of
// what it answers, which fails with ErrDamaged.
func (b *Bolt) RecordsComplete() bool { return b.damage() == nil }
