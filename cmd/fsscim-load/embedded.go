package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/audit"
)

// embeddedOptions shapes the in-process Freshservice account and fsscim server.
type embeddedOptions struct {
	plan        plan
	clock       *virtualClock // nil: real time
	dataDir     string        // fsscim's data folder; "" = a temporary one, removed on Close
	departments []string      // seeded in the account
	seed        func(*freshservicetest.Emulator)
	tenants     int       // tenant files, all pointing at the one account; 0 = 1
	log         io.Writer // fsscim's log; nil discards it (it is still encoded, as in production)
	// emuIdleTimeout closes the emulator's idle keep-alive connections after this long (0: never), as
	// a real server would; the idle-tenant measurement needs fsscim's side of them to go away.
	emuIdleTimeout time.Duration
}

// embedded is an emulated Freshservice account and a real fsscim server in front of it, both on
// loopback HTTP in this process.
type embedded struct {
	emu     *freshservicetest.Emulator
	up      *upstream
	emuURL  string // http://127.0.0.1:port
	scimURL string // http://127.0.0.1:port/scim/v2
	tokens  []string
	apiKey  string
	clock   *virtualClock
	// emuConns counts the connections clients opened to the emulator: fsscim's, and the tool's own
	// direct calls.
	emuConns atomic.Int64
	// upstream is the transport fsscim's Freshservice calls go through (nil: each client's own).
	upstream http.RoundTripper

	emuSrv, scimSrv *http.Server
	srv             *proxy.Server
	db              *store.Bolt
	trail           *audit.Bolt
	tempDir         string
}

// embeddedDomain is the tenant's domain (with several tenants, tenantDomain numbers them).
const embeddedDomain = "load.freshservice.com"

func tenantDomain(i, n int) string {
	if n <= 1 {
		return embeddedDomain
	}
	return fmt.Sprintf("load%05d.freshservice.com", i)
}

func startEmbedded(opts embeddedOptions) (_ *embedded, err error) {
	if opts.tenants <= 0 {
		opts.tenants = 1
	}
	e := &embedded{clock: opts.clock}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	e.tempDir, err = os.MkdirTemp("", "fsscim-load-")
	if err != nil {
		return nil, fmt.Errorf("create a working folder: %w", err)
	}

	emuOpts := freshservicetest.Options{PerMinute: opts.plan.PerMinute, ListPerMinute: opts.plan.ListPerMinute}
	var now func() time.Time
	if opts.clock != nil {
		now = opts.clock.Now
		emuOpts.Now = now
	}
	e.emu = freshservicetest.New(emuOpts)
	e.apiKey = randomHex(20)
	e.emu.AddAPIKey(e.apiKey, true)
	for _, d := range opts.departments {
		e.emu.AddDepartment(d)
	}
	if opts.seed != nil {
		opts.seed(e.emu)
	}
	e.up = newUpstream(e.emu, opts.clock)
	emuLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the emulator: %w", err)
	}
	e.emuSrv = &http.Server{Handler: e.up, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: opts.emuIdleTimeout,
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				e.emuConns.Add(1)
			}
		}}
	go func() { _ = e.emuSrv.Serve(emuLn) }()
	e.emuURL = "http://" + emuLn.Addr().String()

	tenantDir := filepath.Join(e.tempDir, "tenants")
	if err := os.MkdirAll(tenantDir, 0o700); err != nil {
		return nil, fmt.Errorf("create tenant folder: %w", err)
	}
	for i := range opts.tenants {
		domain := tenantDomain(i, opts.tenants)
		file := fmt.Sprintf("domain: %s\napi_url: %s/api/v2\ngroups: {target: requester_groups}\n", domain, e.emuURL)
		if err := os.WriteFile(filepath.Join(tenantDir, fmt.Sprintf("t%05d.yaml", i)), []byte(file), 0o600); err != nil {
			return nil, fmt.Errorf("write tenant file: %w", err)
		}
	}
	// The tenants reach the emulator through api_url, which the server must allow.
	set, err := config.LoadDir(tenantDir, config.LoadOptions{AllowAPIURL: true})
	if err != nil {
		return nil, fmt.Errorf("load tenant files: %w", err)
	}
	key, err := config.NewKey()
	if err != nil {
		return nil, fmt.Errorf("make a token key: %w", err)
	}
	keys, err := config.ParseKeys(key)
	if err != nil {
		return nil, fmt.Errorf("read the token key: %w", err)
	}
	for i := range opts.tenants {
		token, err := keys.Seal(tenantDomain(i, opts.tenants), e.apiKey, time.Now().Add(-time.Minute))
		if err != nil {
			return nil, fmt.Errorf("issue a token: %w", err)
		}
		e.tokens = append(e.tokens, token)
	}

	dataDir := opts.dataDir
	if dataDir == "" {
		dataDir = filepath.Join(e.tempDir, "data")
	}
	e.db, err = store.OpenBolt(filepath.Join(dataDir, store.DefaultFileName))
	if err != nil {
		return nil, fmt.Errorf("open fsscim's store: %w", err)
	}
	// The audit trail is kept as serve keeps it by default, so that the figures count its writes.
	e.trail, err = audit.OpenBolt(filepath.Join(dataDir, audit.DefaultFileName), audit.Options{})
	if err != nil {
		return nil, fmt.Errorf("open fsscim's audit trail: %w", err)
	}
	logTo := opts.log
	if logTo == nil {
		logTo = io.Discard
	}
	e.upstream = fsscimTransport()
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(logTo), zap.InfoLevel)
	e.srv, err = proxy.New(proxy.Options{
		Tenants:   func() *config.TenantSet { return set },
		Keys:      keys,
		Store:     e.db,
		Audit:     e.trail,
		Logger:    zap.New(proxy.RedactingCore(core)),
		Now:       now,
		Transport: e.upstream,
	})
	if err != nil {
		return nil, fmt.Errorf("build the fsscim server: %w", err)
	}
	scimLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for fsscim: %w", err)
	}
	e.scimSrv = &http.Server{Handler: e.srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() { _ = e.scimSrv.Serve(scimLn) }()
	e.scimURL = "http://" + scimLn.Addr().String() + "/scim/v2"
	return e, nil
}

// Close stops both servers and removes the working folder. It is called when no request is in flight,
// so connections are closed outright: a graceful shutdown would wait for connections the client
// dialled and never used.
func (e *embedded) Close() {
	if e.scimSrv != nil {
		_ = e.scimSrv.Close()
	}
	if e.srv != nil {
		e.srv.Close() // ends background index builds, which call the emulator
	}
	if ci, ok := e.upstream.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
	if e.db != nil {
		_ = e.db.Close()
	}
	if e.trail != nil {
		_ = e.trail.Close()
	}
	if e.emuSrv != nil {
		_ = e.emuSrv.Close()
	}
	if e.tempDir != "" {
		_ = os.RemoveAll(e.tempDir)
	}
}

// target is where the SCIM requests go.
func (e *embedded) target() target {
	return target{url: e.scimURL, token: e.tokens[0]}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails: crypto/rand aborts the program instead
	return hex.EncodeToString(b)
}
