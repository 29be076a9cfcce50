package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store"
)

// shutdownGrace bounds how long in-flight requests may finish after SIGTERM.
const shutdownGrace = 25 * time.Second

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("fsscim serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var st config.Settings
	st.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim serve --tenants DIR [options]\n\nServe SCIM at /scim/v2 for every tenant file in DIR. Token keys come from "+config.EnvTokenKeys+" or --token-keys-file.\n\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	st.ApplyEnv(getenv)
	if err := st.Validate(); err != nil {
		fmt.Fprintf(stderr, "fsscim serve: %v\n", err)
		return 2
	}
	log, err := newLogger(st.LogFormat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim serve: %v\n", err)
		return 1
	}
	defer func() { _ = log.Sync() }()

	keys, err := config.KeysFromEnvOrFile(getenv(config.EnvTokenKeys), st.TokenKeysFile)
	if err != nil {
		log.Error("cannot load token keys", zap.Error(err))
		return 1
	}
	ln, err := net.Listen("tcp", st.Listen)
	if err != nil {
		log.Error("cannot listen", zap.String("listen", st.Listen), zap.Error(err))
		return 1
	}
	inst, err := start(ctx, instanceConfig{settings: st, keys: keys, log: log, listener: ln})
	if err != nil {
		log.Error("cannot start", zap.Error(err))
		return 1
	}
	return inst.wait(ctx)
}

// instanceConfig is what a running fsscim needs; serve and demo fill it differently.
type instanceConfig struct {
	settings  config.Settings
	keys      *config.Keyring
	log       *zap.Logger
	listener  net.Listener
	transport http.RoundTripper // demo: nil (plain loopback HTTP to the emulator)
}

type instance struct {
	log     *zap.Logger
	srv     *http.Server
	proxy   *proxy.Server
	store   store.Store
	watcher *config.Watcher
	errc    chan error
	url     string
}

func start(ctx context.Context, ic instanceConfig) (*instance, error) {
	st := ic.settings
	if err := os.MkdirAll(st.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", st.DataDir, err)
	}
	db, err := store.OpenBolt(filepath.Join(st.DataDir, "fsscim.db"))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", st.DataDir, err)
	}
	w := config.NewWatcher(st.TenantsDir, config.WatchOptions{
		Logger: ic.log,
		OnReload: func(set *config.TenantSet, err error) {
			if err != nil {
				ic.log.Warn("tenant folder has problems; the last good version of each bad file stays in use", zap.Error(err))
			}
		},
	})
	if err := w.Start(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("load tenants from %s: %w", st.TenantsDir, err)
	}
	px, err := proxy.New(proxy.Options{
		Tenants:   w.Current,
		Keys:      ic.keys,
		Store:     db,
		Logger:    ic.log,
		Transport: ic.transport,
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	srv := &http.Server{
		Handler:           px.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      75 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          zap.NewStdLog(ic.log.Named("http")),
	}
	inst := &instance{log: ic.log, srv: srv, proxy: px, store: db, watcher: w, errc: make(chan error, 1)}
	scheme := "http"
	if st.TLSCert != "" {
		scheme = "https"
		cert, err := tls.LoadX509KeyPair(st.TLSCert, st.TLSKey)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	inst.url = fmt.Sprintf("%s://%s", scheme, ic.listener.Addr().String())
	go func() {
		var err error
		if srv.TLSConfig != nil {
			err = srv.ServeTLS(ic.listener, "", "")
		} else {
			err = srv.Serve(ic.listener)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			inst.errc <- err
		}
		close(inst.errc)
	}()
	ic.log.Info("fsscim serving", zap.String("version", version), zap.String("url", inst.url+"/scim/v2"), zap.String("tenants", st.TenantsDir))
	return inst, nil
}

// wait serves until ctx ends (SIGTERM/SIGINT), then lets in-flight requests finish, bounded.
func (i *instance) wait(ctx context.Context) int {
	code := 0
	select {
	case err, ok := <-i.errc:
		if ok && err != nil {
			i.log.Error("server failed", zap.Error(err))
			code = 1
		}
	case <-ctx.Done():
		i.log.Info("shutting down; letting in-flight requests finish", zap.Duration("grace", shutdownGrace))
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := i.srv.Shutdown(sctx); err != nil {
		i.log.Warn("shutdown did not finish in time", zap.Error(err))
		code = 1
	}
	i.proxy.Close()
	if err := i.store.Close(); err != nil {
		i.log.Warn("closing store", zap.Error(err))
	}
	return code
}

func newLogger(format string, w io.Writer) (*zap.Logger, error) {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch format {
	case "console":
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	case "json", "":
		enc = zapcore.NewJSONEncoder(encCfg)
	default:
		return nil, fmt.Errorf("unknown log format %q; use json or console", format)
	}
	core := zapcore.NewCore(enc, zapcore.AddSync(w), zap.InfoLevel)
	return zap.New(proxy.RedactingCore(core)), nil
}
