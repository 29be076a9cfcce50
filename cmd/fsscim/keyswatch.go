package main

import (
	"context"
	"crypto/sha256"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// keysCheckInterval is how often the token keys file is compared with the keys read at start.
const keysCheckInterval = 2 * time.Second

// keysFileWatch reports a token keys file that changed after start. fsscim reads its keys once, at
// start: an administrator who adds a key to the file and issues tokens with it would otherwise see
// them refused without knowing why.
type keysFileWatch struct {
	path    string
	log     *zap.Logger
	loaded  [32]byte    // digest of the file as read at start
	changed atomic.Bool // the file differs from what was read at start
}

// watchKeysFile starts comparing the file at path with what it held at start, until ctx ends. The
// file is only ever digested: its keys are never logged.
func watchKeysFile(ctx context.Context, path string, log *zap.Logger) (*keysFileWatch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	w := &keysFileWatch{path: path, log: log, loaded: sha256.Sum256(data)}
	go func() {
		t := time.NewTicker(keysCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.check()
			}
		}
	}()
	return w, nil
}

// check compares the file once and says so when that changes.
func (w *keysFileWatch) check() {
	data, err := os.ReadFile(w.path)
	differs := err == nil && sha256.Sum256(data) != w.loaded
	if err != nil {
		// A file that is being replaced may be missing for a moment; a change is reported once it is back.
		return
	}
	if w.changed.Swap(differs) == differs {
		return
	}
	if differs {
		w.log.Warn("the token keys file changed; fsscim reads its keys only at start, so tokens sealed with a new key are refused and a removed key still opens tokens until fsscim is restarted",
			zap.String("token_keys_file", w.path))
		return
	}
	w.log.Info("the token keys file holds the keys in use again", zap.String("token_keys_file", w.path))
}

// collector is fsscim_token_keys_file_changed: 1 while the keys file differs from the keys in use.
func (w *keysFileWatch) collector() prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "fsscim_token_keys_file_changed",
		Help: "1 while the token keys file differs from the keys fsscim read at start (they are read only then: restart to use them); 0 otherwise.",
	}, func() float64 {
		if w.changed.Load() {
			return 1
		}
		return 0
	})
}
