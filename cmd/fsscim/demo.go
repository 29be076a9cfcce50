package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

const demoDomain = "demo.freshservice.com"

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newEnvFlags("fsscim demo", stderr)
	listen := fs.String("listen", "FSSCIM_DEMO_LISTEN", "127.0.0.1:8080", "loopback address for the SCIM endpoint (port 0 picks a free one)")
	adminListen := fs.String("admin-listen", "FSSCIM_DEMO_ADMIN_LISTEN", "127.0.0.1:0", "loopback address for /metrics, /readyz and /healthz (port 0 picks a free one)")
	perMinute := fs.Int("rate-limit", "FSSCIM_DEMO_RATE_LIMIT", 200, "the emulated Freshservice account's API calls per minute (Growth plan: 200)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: fsscim demo [--listen 127.0.0.1:8080]\n\nServe fsscim on loopback against a built-in Freshservice emulator seeded with departments,\nlocations and a few users, and print a Tenant URL, a token and a curl command to try.\n\nOptions:")
		fs.PrintDefaults()
	}
	if code := fs.parseOrExit(args, getenv, stderr); code >= 0 {
		return code
	}
	log, err := newLogger("console", "info", stderr)
	if err != nil {
		fmt.Fprintf(stderr, "fsscim demo: %v\n", err)
		return 1
	}
	if err := demo(ctx, *listen, *adminListen, *perMinute, stdout, log); err != nil {
		fmt.Fprintf(stderr, "fsscim demo: %v\n", err)
		return 1
	}
	return 0
}

func demo(ctx context.Context, listen, adminListen string, perMinute int, stdout io.Writer, log *zap.Logger) error {
	for _, l := range []struct{ flag, addr string }{{"--listen", listen}, {"--admin-listen", adminListen}} {
		host, _, err := net.SplitHostPort(l.addr)
		if err != nil || !(host == "127.0.0.1" || host == "localhost" || host == "::1") {
			return fmt.Errorf("%s %q: the demo only listens on loopback (e.g. 127.0.0.1:8080)", l.flag, l.addr)
		}
	}
	dir, err := os.MkdirTemp("", "fsscim-demo-")
	if err != nil {
		return fmt.Errorf("create demo folder: %w", err)
	}
	defer os.RemoveAll(dir)

	// The emulated Freshservice account.
	emu := freshservicetest.New(freshservicetest.Options{PerMinute: perMinute, ListPerMinute: perMinute / 3})
	apiKey := randomHex(20)
	emu.AddAPIKey(apiKey, true)
	seedDemo(emu)
	emuLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the emulator: %w", err)
	}
	emuSrv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = emuSrv.Serve(emuLn) }()
	defer emuSrv.Close()

	tenants := filepath.Join(dir, "tenants")
	if err := os.MkdirAll(tenants, 0o700); err != nil {
		return fmt.Errorf("create tenant folder: %w", err)
	}
	tenantFile := fmt.Sprintf(`# The demo tenant: a Freshservice emulator on loopback.
domain: %s
api_url: http://%s/api/v2
groups: {target: requester_groups}
departments: {create_missing: true}
`, demoDomain, emuLn.Addr().String())
	if err := os.WriteFile(filepath.Join(tenants, "demo.yaml"), []byte(tenantFile), 0o600); err != nil {
		return fmt.Errorf("write demo tenant file: %w", err)
	}
	key, err := config.NewKey()
	if err != nil {
		return err
	}
	keys, err := config.ParseKeys(key)
	if err != nil {
		return err
	}
	token, err := keys.Seal(demoDomain, apiKey, time.Now())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s (another program may use it; try --listen 127.0.0.1:0): %w", listen, err)
	}
	adminLn, err := net.Listen("tcp", adminListen)
	if err != nil {
		_ = ln.Close()
		return fmt.Errorf("listen on %s (another program may use it; try --admin-listen 127.0.0.1:0): %w", adminListen, err)
	}
	inst, err := start(ctx, instanceConfig{
		settings: config.Settings{TenantsDir: tenants, DataDir: filepath.Join(dir, "data"), Listen: listen,
			AdminListen: adminListen, LogFormat: "console", LogLevel: "info",
			// The demo tenant reaches the emulator through api_url.
			AllowAPIURL:    true,
			MaxConnections: config.DefaultMaxConnections, MaxConnectionsPerAddress: config.DefaultMaxConnectionsPerAddress},
		keys:          keys,
		log:           log,
		listener:      ln,
		adminListener: adminLn,
	})
	if err != nil {
		_ = ln.Close()
		_ = adminLn.Close()
		return err
	}
	tenantURL := inst.url + "/scim/v2"
	fmt.Fprintf(stdout, `
fsscim demo is running against an emulated Freshservice account (%s).

  Tenant URL:    %s
  Secret Token:  %s
  Admin URL:     %s  (/metrics, /readyz, /healthz)

Try Entra's Test Connection yourself:

  curl -s -H "Authorization: Bearer %s" '%s/Users?filter=userName+eq+%%22b4fa7c1e-0000-4000-8000-000000000000%%22'

Press Ctrl-C to stop; nothing is kept.
`, demoDomain, tenantURL, token, inst.adminURL, token, tenantURL)
	if code := inst.wait(ctx); code != 0 {
		return errors.New("server stopped with an error")
	}
	return nil
}

// seedDemo gives the emulated account what a small company has: departments, locations and a few
// people, one of them already deactivated (a returning employee).
func seedDemo(emu *freshservicetest.Emulator) {
	for _, d := range []string{"Sales", "Engineering", "Finance", "IT"} {
		emu.AddDepartment(d)
	}
	for _, l := range []string{"London", "New York", "Bangalore"} {
		emu.AddLocation(l)
	}
	emu.AddRequester(freshservice.User{FirstName: "Ada", LastName: "Lovelace", PrimaryEmail: "ada.lovelace@example.com", JobTitle: "Analyst"})
	emu.AddRequester(freshservice.User{FirstName: "Grace", LastName: "Hopper", PrimaryEmail: "grace.hopper@example.com"})
	gone := emu.AddRequester(freshservice.User{FirstName: "Alan", LastName: "Turing", PrimaryEmail: "alan.turing@example.com"})
	emu.Deactivate(gone.ID)
	emu.AddAgent(freshservice.User{FirstName: "Margaret", LastName: "Hamilton", Email: "margaret.hamilton@example.com"})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
