package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fsscim/fsscim/config"
)

// composeService is the part of a compose service this test reads; unknown keys fail the decoding.
type composeService struct {
	Build     *struct{ Context string } `yaml:"build"`
	Image     string                    `yaml:"image"`
	Restart   string                    `yaml:"restart"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Command     []string          `yaml:"command"`
	Healthcheck *struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
		Timeout  string   `yaml:"timeout"`
		Retries  int      `yaml:"retries"`
	} `yaml:"healthcheck"`
}

// TestComposeFileFitsTheImage checks deploy/compose.yaml, fsscim and Redis on one host: the image is
// built from the repository, the volumes land where the image expects them (tenants read-only), the
// ports are published on loopback only, fsscim shares its state through the Redis beside it, which
// keeps it on a volume, and the settings are valid for serve.
func TestComposeFileFitsTheImage(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deployDir, composeFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name     string                    `yaml:"name"`
		Services map[string]composeService `yaml:"services"`
		Volumes  map[string]any            `yaml:"volumes"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	d := readDockerfile(t)
	fs, rd := doc.Services["fsscim"], doc.Services["redis"]
	if fs.Build == nil || filepath.Clean(filepath.Join(deployDir, fs.Build.Context)) != filepath.Clean(filepath.Join(deployDir, "..")) {
		t.Errorf("fsscim is not built from the repository (the Dockerfile's folder): %+v", fs.Build)
	}
	if fs.DependsOn["redis"].Condition != "service_healthy" || rd.Healthcheck == nil {
		t.Error("fsscim does not wait for a healthy Redis")
	}
	if !strings.Contains(strings.Join(rd.Command, " "), "--appendonly yes") {
		t.Error("Redis keeps the shared records without persistence")
	}
	mounts := map[string]string{}
	for _, v := range append(append([]string{}, fs.Volumes...), rd.Volumes...) {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			t.Fatalf("volume %q", v)
		}
		mounts[parts[1]] = v
		if src := parts[0]; !strings.HasPrefix(src, ".") {
			if _, ok := doc.Volumes[src]; !ok {
				t.Errorf("named volume %s is not declared", src)
			}
		}
	}
	if v := mounts[d.env["FSSCIM_TENANTS"]]; !strings.HasSuffix(v, ":ro") {
		t.Errorf("the tenant folder %s is not mounted read-only: %q", d.env["FSSCIM_TENANTS"], v)
	}
	if mounts[d.env["FSSCIM_DATA_DIR"]] == "" || mounts["/data"] == "" {
		t.Error("the data dir or Redis's data is not on a volume")
	}
	published := map[string]bool{}
	for _, p := range fs.Ports {
		host, _, _ := strings.Cut(p, ":")
		if host != "127.0.0.1" {
			t.Errorf("port %q is published beyond the host's loopback", p)
		}
		published[p[strings.LastIndex(p, ":")+1:]] = true
	}
	for _, port := range []string{strings.TrimPrefix(d.env["FSSCIM_LISTEN"], ":"), strings.TrimPrefix(d.env["FSSCIM_ADMIN_LISTEN"], ":")} {
		if !published[port] {
			t.Errorf("container port %s is not published", port)
		}
	}
	if fs.Environment["FSSCIM_REDIS_URL"] != "redis://redis:6379/0" {
		t.Errorf("FSSCIM_REDIS_URL %q does not point at the redis service", fs.Environment["FSSCIM_REDIS_URL"])
	}
	if !strings.HasPrefix(fs.Environment[config.EnvTokenKeys], "${"+config.EnvTokenKeys+":?") {
		t.Errorf("%s is not required from the environment: %q", config.EnvTokenKeys, fs.Environment[config.EnvTokenKeys])
	}
	var st config.Settings
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	st.RegisterFlags(flags)
	if err := flags.Parse(d.cmd); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyEnv(func(k string) string {
		if v, ok := fs.Environment[k]; ok {
			return v
		}
		return d.env[k]
	}); err != nil {
		t.Errorf("the environment does not parse: %v", err)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("the image's arguments with the compose environment: %v", err)
	}
}
