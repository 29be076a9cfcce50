package main

import (
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
	"github.com/fsscim/fsscim/proxy/proxytest"
)

// dockerfile is what the test reads from the Dockerfile: the build command, the environment, the
// volumes, the user and the command line.
type dockerfile struct {
	build       string
	env         map[string]string
	volumes     []string
	user        string
	expose      []string
	healthcheck []string // the command
	entrypoint  []string
	cmd         []string
}

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	// Join continued lines, drop comments.
	var lines []string
	cur := ""
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(strings.TrimRight(l, " "), "\\"); ok {
			cur += s + " "
			continue
		}
		lines = append(lines, strings.TrimSpace(cur+l))
		cur = ""
	}
	d := dockerfile{env: map[string]string{}}
	jsonList := func(s string) []string {
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatalf("Dockerfile: %q is not a JSON list: %v", s, err)
		}
		return out
	}
	envPair := regexp.MustCompile(`(\w+)=(\S+)`)
	for _, l := range lines {
		word, rest, _ := strings.Cut(l, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "RUN":
			if strings.Contains(rest, "go build") {
				d.build = rest
			}
		case "ENV":
			for _, m := range envPair.FindAllStringSubmatch(rest, -1) {
				d.env[m[1]] = m[2]
			}
		case "VOLUME":
			d.volumes = jsonList(rest)
		case "USER":
			d.user = rest
		case "EXPOSE":
			d.expose = strings.Fields(rest)
		case "HEALTHCHECK":
			if _, command, ok := strings.Cut(rest, " CMD "); ok {
				d.healthcheck = jsonList(strings.TrimSpace(command))
			}
		case "ENTRYPOINT":
			d.entrypoint = jsonList(rest)
		case "CMD":
			d.cmd = jsonList(rest)
		}
	}
	return d
}

// TestDockerfileLayout checks what the image promises without building it: a static, trimmed build,
// the tenant folder and data dir as volumes that the settings point at, a non-root user, `fsscim
// serve` as the entry point.
func TestDockerfileLayout(t *testing.T) {
	d := readDockerfile(t)
	if !strings.Contains(d.build, `CGO_ENABLED=0 go build -trimpath -ldflags "-s -w`) {
		t.Errorf("the build stage does not build a static, trimmed binary: %s", d.build)
	}
	if got, want := strings.Join(d.volumes, " "), d.env["FSSCIM_TENANTS"]+" "+d.env["FSSCIM_DATA_DIR"]; got != want {
		t.Errorf("VOLUME %q is not the tenant folder and data dir the settings use (%q)", got, want)
	}
	if d.user == "" || strings.HasPrefix(d.user, "0") || strings.HasPrefix(d.user, "root") {
		t.Errorf("USER %q: the image must not run as root", d.user)
	}
	if len(d.entrypoint) != 2 || filepath.Base(d.entrypoint[0]) != "fsscim" || d.entrypoint[1] != "serve" {
		t.Errorf("ENTRYPOINT %q is not fsscim serve", d.entrypoint)
	}
	if d.env["FSSCIM_LISTEN"] != ":8080" || d.env["FSSCIM_ADMIN_LISTEN"] != ":9090" {
		t.Errorf("FSSCIM_LISTEN %q and FSSCIM_ADMIN_LISTEN %q, want :8080 and :9090", d.env["FSSCIM_LISTEN"], d.env["FSSCIM_ADMIN_LISTEN"])
	}
	if strings.Join(d.expose, " ") != "8080 9090" {
		t.Errorf("EXPOSE %q, want the SCIM and admin ports 8080 9090", d.expose)
	}
	if len(d.healthcheck) != 2 || d.healthcheck[0] != d.entrypoint[0] || d.healthcheck[1] != "health" {
		t.Errorf("HEALTHCHECK %q is not fsscim health", d.healthcheck)
	}
	// The arguments are valid serve arguments with the image's environment, with TLS given as the
	// Dockerfile says (variables) and without.
	for _, extra := range []map[string]string{nil, {"FSSCIM_TLS_CERT": "/etc/fsscim/tls/tls.crt", "FSSCIM_TLS_KEY": "/etc/fsscim/tls/tls.key"}} {
		wantServeArgs(t, fmt.Sprintf("CMD %q (and %v)", d.cmd, extra), d.cmd, func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return d.env[k]
		})
	}
}

// TestImageBinaryStartsWithTheImageLayout starts the binary CI built with the Dockerfile's flags
// (FSSCIM_BINARY) as the image would: the Dockerfile's environment, entry point and arguments, its
// volumes laid out under a scratch root, and, when the test runs as root, the image's non-root user.
// It must be static, serve Test Connection, be ready, and keep its store in the data volume.
func TestImageBinaryStartsWithTheImageLayout(t *testing.T) {
	bin := os.Getenv("FSSCIM_BINARY")
	if bin == "" {
		t.Skip("FSSCIM_BINARY is not set; .ci/run builds the binary as the Dockerfile does and sets it")
	}
	d := readDockerfile(t)

	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("binary built with CGO_ENABLED=%q -trimpath=%q; the Dockerfile builds with CGO_ENABLED=0 -trimpath",
			settings["CGO_ENABLED"], settings["-trimpath"])
	}
	// With -trimpath the build info omits -ldflags; "-s -w" shows as a binary without symbols or DWARF.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked; the distroless static base has no C library")
		}
	}
	for _, name := range []string{".symtab", ".debug_info", ".zdebug_info"} {
		if f.Section(name) != nil {
			t.Errorf("the binary has a %s section; the Dockerfile strips it (-ldflags \"-s -w\")", name)
		}
	}
	f.Close()

	// The image's file system, under a scratch root readable by the image's user.
	root, err := os.MkdirTemp("", "fsscim-image-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		ids := strings.SplitN(d.user, ":", 2)
		uid, _ = strconv.Atoi(ids[0])
		gid = uid
		if len(ids) == 2 {
			gid, _ = strconv.Atoi(ids[1])
		}
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	// The binary where the image puts it, reachable by the image's user.
	imageBin := filepath.Join(root, d.entrypoint[0])
	if err := os.MkdirAll(filepath.Dir(imageBin), 0o755); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(imageBin, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	tenants := filepath.Join(root, d.env["FSSCIM_TENANTS"])
	data := filepath.Join(root, d.env["FSSCIM_DATA_DIR"])
	for _, dir := range []string{tenants, data} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if uid >= 0 {
		// As COPY --chown does for the data volume; the tenant folder stays root's, read-only to fsscim.
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	emu, emuSrv := freshservicetest.NewServer(freshservicetest.Options{})
	t.Cleanup(emuSrv.Close)
	apiKey := "image-test-key-4c2f"
	emu.AddAPIKey(apiKey, true)
	if err := os.WriteFile(filepath.Join(tenants, "acme.yaml"), []byte("domain: acme.freshservice.com\napi_url: "+emuSrv.URL+"/api/v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key, keys := proxytest.NewKeys(t)
	token := proxytest.Seal(t, keys, "acme.freshservice.com", apiKey)
	audit.secret("the image test's API key", apiKey)
	audit.secret("the image test's bearer token", token)
	audit.secret("the image test's server key", key)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := append(append([]string{}, d.entrypoint[1:]...), d.cmd...)
	cmd := exec.CommandContext(ctx, imageBin, args...)
	cmd.Env = []string{
		"FSSCIM_TENANTS=" + tenants,
		"FSSCIM_DATA_DIR=" + data,
		// The image listens on all interfaces; here, free loopback ports.
		"FSSCIM_LISTEN=127.0.0.1:0",
		"FSSCIM_ADMIN_LISTEN=127.0.0.1:0",
		"FSSCIM_LOG_FORMAT=" + d.env["FSSCIM_LOG_FORMAT"],
		config.EnvTokenKeys + "=" + key,
		// The test's tenant reaches the emulator through api_url.
		"FSSCIM_ALLOW_API_URL=true",
	}
	if uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := &proxytest.LogBuffer{}
	base, admin := servingURLs(servingLine(io.TeeReader(stderr, audit.tee(logs))))
	go func() { _, _ = io.Copy(audit.tee(logs), stderr) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("fsscim log:\n%s", logs.String())
		}
	}()
	if base == "" {
		t.Fatal("the binary did not start")
	}
	for _, p := range []string{base + "/healthz", admin + "/healthz", admin + "/readyz", admin + "/metrics"} {
		if status, body := get(t, http.DefaultClient, p, ""); status != http.StatusOK {
			t.Errorf("%s: %d %.200s", p, status, body)
		}
	}
	// The HEALTHCHECK, as Docker runs it: the image's command in the container's environment (here
	// with the admin listener's actual port).
	health := exec.CommandContext(ctx, imageBin, d.healthcheck[1:]...)
	health.Env = []string{"FSSCIM_ADMIN_LISTEN=" + strings.TrimPrefix(admin, "http://")}
	if out, err := health.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "ready" {
		t.Errorf("HEALTHCHECK %q: %v: %s", d.healthcheck, err, out)
	}
	if status, body := get(t, http.DefaultClient, base+testConnectionPath, token); status != http.StatusOK {
		t.Errorf("Test Connection: %d %s", status, body)
	}
	fi, err := os.Stat(filepath.Join(data, "fsscim.db"))
	if err != nil {
		t.Fatalf("the store is not in the data volume: %v", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && uid >= 0 && int(st.Uid) != uid {
		t.Errorf("the store belongs to uid %d, want the image's user %d", st.Uid, uid)
	}
}
