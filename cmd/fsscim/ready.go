package main

import (
	"context"
	"fmt"
	"os"
)

// dataDirUsable checks that the data dir still takes a write: a volume that went read-only, full or
// away makes the store fail the next record, so the replica should leave the load balancer first.
func dataDirUsable(dir string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		done := make(chan error, 1)
		go func() { done <- probeWrite(dir) }()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("data dir %s: no answer in time", dir)
		}
	}
}

func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".readyz-*")
	if err != nil {
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_, werr := f.Write([]byte("ok"))
	cerr := f.Close()
	rerr := os.Remove(name)
	for _, err := range []error{werr, cerr, rerr} {
		if err != nil {
			return fmt.Errorf("data dir %s is not usable: %w", dir, err)
		}
	}
	return nil
}
