package config

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"
)

// DefaultWatchInterval is how often the tenants folder is polled when WatchOptions.Interval is 0.
// Polling backs up file-system notifications, which miss changes on some network and container mounts.
const DefaultWatchInterval = 5 * time.Second

// settleDelay gathers the burst of notifications one save makes (write, rename, chmod) into one reload.
const settleDelay = 200 * time.Millisecond

// WatchOptions tune a Watcher.
type WatchOptions struct {
	// Load are the server's rules every tenant file is checked against.
	Load LoadOptions
	// Interval between polls of the folder; 0 means DefaultWatchInterval.
	Interval time.Duration
	// Logger receives one line per loaded, updated, removed or rejected file; nil logs nothing.
	Logger *zap.Logger
	// OnReload, when set, is called after the initial load and after every reload that changed
	// something, with the new set and every current problem joined (nil when there is none). It runs
	// on the watcher's goroutine: return quickly.
	OnReload func(*TenantSet, error)
}

// Watcher keeps a TenantSet in step with a tenants folder. Each file is handled on its own: a file
// that became invalid keeps its last good version, a deleted file removes its tenant, a new valid file
// adds one.
type Watcher struct {
	dir     string
	opts    WatchOptions
	log     *zap.Logger
	files   *tenantDir
	current atomic.Pointer[TenantSet]
	status  atomic.Pointer[[]FileStatus] // each file's state after the latest load
	loaded  atomic.Bool
	started atomic.Bool
	done    chan struct{} // closed when the watching goroutine has returned

	unreadable bool // the last reload could not read the folder; owned by the watching goroutine
}

// NewWatcher prepares a watcher of dir; Start loads and begins watching.
func NewWatcher(dir string, opts WatchOptions) *Watcher {
	if opts.Interval <= 0 {
		opts.Interval = DefaultWatchInterval
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	w := &Watcher{dir: dir, opts: opts, log: log.With(zap.String("tenants_dir", dir)),
		files: newTenantDir(dir, opts.Load), done: make(chan struct{})}
	w.current.Store(newTenantSet(nil))
	return w
}

// Start loads the folder and watches it until ctx ends. It fails only when the folder cannot be read
// (or when called twice); problems in single files are logged and passed to OnReload, and the valid
// files are served.
func (w *Watcher) Start(ctx context.Context) error {
	if !w.started.CompareAndSwap(false, true) {
		return errors.New("tenant watcher already started")
	}
	res, err := w.files.scan()
	if err != nil {
		close(w.done)
		return err
	}
	w.publish(res, true)

	notify, err := fsnotify.NewWatcher()
	if err != nil {
		w.log.Warn("file notifications unavailable; polling the tenants folder only",
			zap.Duration("interval", w.opts.Interval), zap.Error(err))
		notify = nil
	} else if err := notify.Add(w.dir); err != nil {
		w.log.Warn("cannot watch the tenants folder; polling it only",
			zap.Duration("interval", w.opts.Interval), zap.Error(err))
	}
	go w.run(ctx, notify)
	return nil
}

// Current is the latest set; before Start it is empty, never nil.
func (w *Watcher) Current() *TenantSet { return w.current.Load() }

// Files is the state of every file of the folder after the latest load, by name; nil before Start.
// The slice is shared: do not change it.
func (w *Watcher) Files() []FileStatus {
	if f := w.status.Load(); f != nil {
		return *f
	}
	return nil
}

// Loaded reports whether the folder has been read at least once.
func (w *Watcher) Loaded() bool { return w.loaded.Load() }

func (w *Watcher) run(ctx context.Context, notify *fsnotify.Watcher) {
	defer close(w.done)
	var events <-chan fsnotify.Event
	var notifyErrs <-chan error
	if notify != nil {
		defer notify.Close()
		events, notifyErrs = notify.Events, notify.Errors
	}
	poll := time.NewTicker(w.opts.Interval)
	defer poll.Stop()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev.Op != fsnotify.Chmod {
				settle.Reset(min(settleDelay, w.opts.Interval))
			}
		case err, ok := <-notifyErrs:
			if !ok {
				notifyErrs = nil
				continue
			}
			w.log.Warn("file notification error; polling continues", zap.Error(err))
		case <-settle.C:
			w.reload(notify)
		case <-poll.C:
			w.reload(notify)
		}
	}
}

func (w *Watcher) reload(notify *fsnotify.Watcher) {
	res, err := w.files.scan()
	if err != nil {
		// The folder may be in the middle of being replaced; keep serving what we have, and say so
		// once rather than at every poll.
		if !w.unreadable {
			w.unreadable = true
			w.log.Error("tenants folder unreadable; keeping the current tenants", zap.Error(err))
			if w.opts.OnReload != nil {
				w.opts.OnReload(w.Current(), err)
			}
		}
		return
	}
	// A folder that was removed and created again is a new inode: watch it again.
	if notify != nil && len(notify.WatchList()) == 0 {
		_ = notify.Add(w.dir)
	}
	if len(res.changes) > 0 || w.unreadable {
		w.unreadable = false
		w.publish(res, false)
	}
}

func (w *Watcher) publish(res scanResult, initial bool) {
	for _, ch := range res.changes {
		fields := []zap.Field{zap.String("file", ch.file)}
		if ch.domain != "" {
			fields = append(fields, zap.String("domain", ch.domain))
		}
		switch ch.kind {
		case fileLoaded:
			w.log.Info("tenant loaded", fields...)
		case fileUpdated:
			w.log.Info("tenant updated", fields...)
		case fileRemoved:
			w.log.Info("tenant removed", fields...)
		case fileRejected:
			msg := "tenant file rejected; its tenant is not served"
			if ch.kept {
				msg = "tenant file rejected; keeping its last good version"
			}
			w.log.Warn(msg, append(fields, zap.Error(ch.err))...)
		case fileRevocation:
			switch r := ch.revocation; {
			case r.unreadable:
				w.log.Error("tenant file's tokens_not_before does not parse: every token of this tenant is refused "+
					"until the file is fixed", fields...)
			case !r.notBefore.IsZero():
				w.log.Warn("tenant file rejected, but the later tokens_not_before it sets applies now",
					append(fields, zap.Time("tokens_not_before", r.notBefore))...)
			default:
				w.log.Info("tenant file's tokens_not_before no longer refuses tokens; its last good version's applies", fields...)
			}
		}
	}
	w.current.Store(res.set)
	w.status.Store(&res.files)
	w.loaded.Store(true)
	if !initial {
		w.log.Info("tenants reloaded", zap.Int("tenants", res.set.Len()))
	}
	if w.opts.OnReload != nil {
		w.opts.OnReload(res.set, res.problems)
	}
}
