package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store"
	auditlog "github.com/fsscim/fsscim/store/audit"
)

// shutdownGrace bounds how long in-flight requests may finish after SIGTERM.
const shutdownGrace = 25 * time.Second

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("fsscim serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var st config.Settings
	st.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim serve --tenants DIR [options]\n\nServe SCIM at /scim/v2 for every tenant file in DIR, and /metrics, /readyz, /healthz and /status\non the admin listener. Token keys come from "+config.EnvTokenKeys+" (separated by commas or newlines) or\n--token-keys-file. Every option can also be set by the environment variable named beside it.\n\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := st.ApplyEnv(getenv); err != nil {
		fmt.Fprintf(stderr, "fsscim serve: %v\n", err)
		return 2
	}
	if err := st.Validate(); err != nil {
		fmt.Fprintf(stderr, "fsscim serve: %v\n", err)
		return 2
	}
	log, err := newLogger(st.LogFormat, st.LogLevel, stderr)
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
	var adminToken *config.AdminToken
	if st.AdminTokenFile != "" {
		if adminToken, err = config.LoadAdminTokenFile(st.AdminTokenFile); err != nil {
			log.Error("cannot load the admin token", zap.Error(err))
			return 1
		}
	}
	if !st.DataDirGiven() {
		abs, _ := filepath.Abs(st.DataDir)
		log.Warn("no --data-dir (FSSCIM_DATA_DIR) given: what Freshservice forgets on a deactivation is kept in "+abs+
			", under the folder fsscim was started from; give a lasting folder, or a volume in a container",
			zap.String("data_dir", abs))
	}
	ln, err := net.Listen("tcp", st.Listen)
	if err != nil {
		log.Error("cannot listen", zap.String("listen", st.Listen), zap.Error(err))
		return 1
	}
	adminLn, err := net.Listen("tcp", st.AdminListen)
	if err != nil {
		_ = ln.Close()
		log.Error("cannot listen for the admin listener", zap.String("admin_listen", st.AdminListen), zap.Error(err))
		return 1
	}
	if st.TLSCert == "" {
		// Validate allowed it: loopback, or --insecure-http behind a TLS-terminating proxy.
		why := "the listen address is loopback"
		if st.InsecureHTTP {
			why = "--insecure-http was given"
		}
		log.Warn("serving plain HTTP, without TLS, because "+why+"; Entra ID only talks HTTPS, so a TLS-terminating proxy must sit in front",
			zap.String("listen", ln.Addr().String()))
	}
	inst, err := start(ctx, instanceConfig{settings: st, keys: keys, adminToken: adminToken, log: log,
		listener: ln, adminListener: adminLn, certCheckInterval: defaultCertCheckInterval})
	if err != nil {
		_ = ln.Close()
		_ = adminLn.Close()
		if errors.Is(err, store.ErrDamaged) {
			// Said plainly as well: an operator looking at a crash-looping pod reads the first line.
			fmt.Fprintf(stderr, "fsscim serve: %v\n", err)
		}
		log.Error("cannot start", zap.Error(err))
		return 1
	}
	return inst.wait(ctx)
}

// instanceConfig is what a running fsscim needs; serve and demo fill it differently.
type instanceConfig struct {
	settings      config.Settings
	keys          *config.Keyring
	adminToken    *config.AdminToken // nil: none configured
	log           *zap.Logger
	listener      net.Listener // SCIM
	adminListener net.Listener // /metrics, /readyz, /healthz
	// certCheckInterval is how often a handshake may look for new certificate files (tests: 0).
	certCheckInterval time.Duration
}

type instance struct {
	log      *zap.Logger
	srv      *http.Server // SCIM
	adminSrv *http.Server
	proxy    *proxy.Server
	upstream *freshservice.Transport
	store    store.Store
	redis    io.Closer // nil without --redis-url
	audit    auditlog.Log
	watcher  *config.Watcher
	errc     chan error
	url      string // SCIM listener, scheme://host:port
	adminURL string
}

func start(ctx context.Context, ic instanceConfig) (_ *instance, err error) {
	st := ic.settings
	if err := os.MkdirAll(st.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", st.DataDir, err)
	}
	var closers []io.Closer
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i].Close()
			}
		}
	}()
	// The certificate first: an expired one stops the start before anything else is opened.
	var certs *certReloader
	if st.TLSCert != "" {
		if certs, err = newCertReloader(st.TLSCert, st.TLSKey, ic.certCheckInterval, ic.log); err != nil {
			return nil, err
		}
	}
	db, err := store.OpenBolt(filepath.Join(st.DataDir, store.DefaultFileName))
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", st.DataDir, err)
	}
	var records store.Store = db
	closers = append(closers, db)

	var shared *sharedState
	var rc io.Closer
	if st.RedisURL != "" {
		c, err := openRedis(ctx, st.RedisURL, ic.log)
		if err != nil {
			return nil, err
		}
		if shared, err = newSharedState(ctx, c, db, ic.log); err != nil {
			_ = c.Close()
			return nil, err
		}
		rc = shared
		closers = append(closers, shared)
		records = shared.store
	}

	trusted, err := st.TrustedProxyPrefixes()
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	loadOpts, err := st.LoadOptions()
	if err != nil {
		return nil, fmt.Errorf("--allowed-domain-suffixes: %w", err)
	}
	if loadOpts.AllowAPIURL {
		ic.log.Warn("tenant files' api_url is followed (--allow-api-url): meant for emulators and test servers only")
	}
	reloads := &reloadCounter{}
	gate := newTenantGate(st.TenantsDir, st.AllowEmpty, ic.log)
	w := config.NewWatcher(st.TenantsDir, config.WatchOptions{
		Load:   loadOpts,
		Logger: ic.log,
		// Each file's own line says what happened to it; the gate says when readiness changes.
		OnReload: func(set *config.TenantSet, err error) {
			reloads.observe(err)
			gate.observe(set, err)
		},
	})
	if err := w.Start(ctx); err != nil {
		return nil, fmt.Errorf("load tenants from %s: %w", st.TenantsDir, err)
	}
	trail, err := openAudit(st, w, shared)
	if err != nil {
		return nil, err
	}
	if c, ok := trail.(io.Closer); ok {
		closers = append(closers, c)
	}
	// One transport carries every tenant's Freshservice calls, so that connections are kept and
	// reused across requests and API keys instead of per client.
	upstream := freshservice.NewTransport(freshservice.TransportOptions{})
	dataDir := dataDirUsable(st.DataDir)
	popts := proxy.Options{
		Tenants: func() *config.TenantSet {
			if !w.Loaded() {
				return nil
			}
			return w.Current()
		},
		Keys:           ic.keys,
		Store:          records,
		Logger:         ic.log,
		Transport:      upstream,
		TrustedProxies: trusted,
		Ready: func(ctx context.Context) error {
			if err := gate.check(); err != nil {
				return err
			}
			return dataDir(ctx)
		},
		AdminToken:       ic.adminToken,
		Files:            w.Files,
		KeyCheckInterval: st.KeyCheckInterval,
		Audit:            trail,
	}
	if shared != nil {
		popts.NewBudget = shared.newBudget
		// An enrollment link works once across every replica.
		popts.Links = store.NewRedisLinks(shared.client, "")
	}
	px, err := proxy.New(popts)
	if err != nil {
		return nil, err
	}
	if shared != nil {
		shared.server = px
	}
	reloads.attach(px)
	if err := px.MetricsRegisterer().Register(connectionsOpened(upstream)); err != nil {
		px.Close()
		return nil, fmt.Errorf("register the upstream connection metric: %w", err)
	}
	build := currentBuild()
	px.MetricsRegisterer().MustRegister(build.collector())
	if certs != nil {
		px.MetricsRegisterer().MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "fsscim_tls_cert_not_after_seconds",
			Help: "When the TLS certificate being served expires, in Unix seconds.",
		}, certs.notAfter))
	}
	if st.TokenKeysFile != "" {
		kw, err := watchKeysFile(ctx, st.TokenKeysFile, ic.log)
		if err == nil {
			err = px.MetricsRegisterer().Register(kw.collector())
		}
		if err != nil {
			px.Close()
			return nil, fmt.Errorf("watch the token keys file: %w", err)
		}
	}
	// The connection caps hold the SCIM listener only. The admin listener is reached by the kubelet's
	// probes and the scraper alone (loopback by default, a NetworkPolicy in the manifests), and a
	// probe must not queue behind SCIM clients for a place under --max-connections.
	ln := capConnections(ic.listener, st, trusted, px.MetricsRegisterer())
	newServer := func(h http.Handler, name string) *http.Server {
		srv := &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      75 * time.Second,
			IdleTimeout:       idleTimeout,
			ErrorLog:          zap.NewStdLog(ic.log.Named(name)),
		}
		if certs != nil {
			srv.TLSConfig = certs.tlsConfig()
		}
		return srv
	}
	inst := &instance{log: ic.log, srv: newServer(px.Handler(), "http"), adminSrv: newServer(px.AdminHandler(), "admin"),
		proxy: px, upstream: upstream, store: records, redis: rc, audit: trail, watcher: w, errc: make(chan error, 2)}
	scheme := "http"
	if certs != nil {
		scheme = "https"
	}
	inst.url = fmt.Sprintf("%s://%s", scheme, ln.Addr().String())
	inst.adminURL = fmt.Sprintf("%s://%s", scheme, ic.adminListener.Addr().String())
	for _, l := range []struct {
		srv *http.Server
		ln  net.Listener
	}{{inst.srv, ln}, {inst.adminSrv, ic.adminListener}} {
		go func() {
			var err error
			if l.srv.TLSConfig != nil {
				err = l.srv.ServeTLS(l.ln, "", "")
			} else {
				err = l.srv.Serve(l.ln)
			}
			if !errors.Is(err, http.ErrServerClosed) {
				inst.errc <- err
			}
		}()
	}
	dataAbs, _ := filepath.Abs(st.DataDir)
	count, rejected, notReady := gate.summary()
	fields := []zap.Field{zap.String("version", build.version), zap.String("url", inst.url+"/scim/v2"),
		zap.String("admin_url", inst.adminURL), zap.Int("tenants", count), zap.Strings("rejected_files", rejected),
		zap.String("tenants_dir", st.TenantsDir), zap.String("data_dir", dataAbs), zap.Bool("shared_through_redis", shared != nil)}
	if notReady != nil {
		ic.log.Warn("fsscim serving", append(fields, zap.String("not_ready", notReady.Error()))...)
	} else {
		ic.log.Info("fsscim serving", fields...)
	}
	return inst, nil
}

// wait serves until ctx ends (SIGTERM/SIGINT), then lets in-flight requests finish, bounded.
func (i *instance) wait(ctx context.Context) int {
	code := 0
	select {
	case err := <-i.errc:
		i.log.Error("server failed", zap.Error(err))
		code = 1
	case <-ctx.Done():
		i.log.Info("shutting down; letting in-flight requests finish", zap.Duration("grace", shutdownGrace))
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := i.srv.Shutdown(sctx); err != nil {
		i.log.Warn("shutdown did not finish in time", zap.Error(err))
		code = 1
	}
	// The admin listener answers probes until the SCIM requests are done.
	if err := i.adminSrv.Shutdown(sctx); err != nil {
		i.log.Warn("admin listener shutdown did not finish in time", zap.Error(err))
		code = 1
	}
	i.proxy.Close()
	i.upstream.CloseIdleConnections()
	if c, ok := i.audit.(io.Closer); ok {
		if err := c.Close(); err != nil {
			i.log.Warn("closing the audit trail", zap.Error(err))
		}
	}
	if err := i.store.Close(); err != nil {
		i.log.Warn("closing store", zap.Error(err))
	}
	if i.redis != nil {
		if err := i.redis.Close(); err != nil {
			i.log.Warn("closing Redis client", zap.Error(err))
		}
	}
	return code
}

// openAudit opens the audit trail: in Redis when the replicas share state, else in a bbolt file of
// its own in the data dir. A tenant's retention is its file's audit.retention, else --audit-retention.
func openAudit(st config.Settings, w *config.Watcher, shared *sharedState) (auditlog.Log, error) {
	keep, err := st.AuditRetentionPeriod()
	if err != nil {
		return nil, fmt.Errorf("--audit-retention: %w", err)
	}
	opts := auditlog.Options{Retention: func(domain string) time.Duration {
		if w.Loaded() {
			if t, ok := w.Current().Lookup(domain); ok && t.AuditRetention > 0 {
				return t.AuditRetention
			}
		}
		return keep
	}}
	if shared != nil {
		return auditlog.NewRedis(shared.client, auditlog.RedisOptions{Options: opts})
	}
	return auditlog.OpenBolt(filepath.Join(st.DataDir, auditlog.DefaultFileName), opts)
}

// connectionsOpened reports the connections the shared transport opened to Freshservice. It has no
// tenant label: the connections belong to one pool, reused by every tenant calling the same host.
func connectionsOpened(t *freshservice.Transport) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "fsscim_freshservice_connections_opened_total",
		Help: "Connections opened to Freshservice (each a TCP and TLS handshake) by the transport all tenants share; calls that reuse a kept connection open none.",
	}, func() float64 { return float64(t.ConnectionsOpened()) })
}

func newLogger(format, level string, w io.Writer) (*zap.Logger, error) {
	lvl := zap.InfoLevel
	if level != "" {
		var err error
		if lvl, err = zapcore.ParseLevel(level); err != nil {
			return nil, fmt.Errorf("unknown log level %q; use debug, info, warn or error", level)
		}
	}
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
	core := zapcore.NewCore(enc, zapcore.AddSync(w), lvl)
	return zap.New(proxy.RedactingCore(core)), nil
}
