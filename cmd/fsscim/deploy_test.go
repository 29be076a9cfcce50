package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fsscim/fsscim/config"
)

// manifest is the part of a Kubernetes object the checks below read.
type manifest struct {
	Kind       string                `yaml:"kind"`
	Metadata   struct{ Name string } `yaml:"metadata"`
	Data       map[string]string     `yaml:"data"`
	StringData map[string]string     `yaml:"stringData"`
	Spec       struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Ports []struct {
			Name       string `yaml:"name"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		Template struct {
			Spec struct {
				SecurityContext struct {
					RunAsUser    int  `yaml:"runAsUser"`
					RunAsNonRoot bool `yaml:"runAsNonRoot"`
				} `yaml:"securityContext"`
				Containers []struct {
					Args []string `yaml:"args"`
					Env  []struct {
						Name      string `yaml:"name"`
						ValueFrom struct {
							SecretKeyRef struct{ Name, Key string } `yaml:"secretKeyRef"`
						} `yaml:"valueFrom"`
					} `yaml:"env"`
					Ports []struct {
						Name          string `yaml:"name"`
						ContainerPort int    `yaml:"containerPort"`
					} `yaml:"ports"`
					LivenessProbe  probe `yaml:"livenessProbe"`
					ReadinessProbe probe `yaml:"readinessProbe"`
					VolumeMounts   []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
				} `yaml:"containers"`
				Volumes []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

func readManifests(t *testing.T) map[string]manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "deploy", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests under deploy/: %v", err)
	}
	out := map[string]manifest{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			var m manifest
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[m.Kind+"/"+m.Metadata.Name] = m
		}
	}
	return out
}

// TestDeployManifestsFitTheImage checks the manifests under deploy/ against the image and the binary:
// the tenant files they ship validate, the volumes mount where the image expects them, the probes
// call fsscim's endpoints, the secrets feed the settings fsscim reads, and nothing runs as root.
func TestDeployManifestsFitTheImage(t *testing.T) {
	ms := readManifests(t)
	d := readDockerfile(t)
	for _, kind := range []string{"Deployment/fsscim", "Service/fsscim", "ConfigMap/fsscim-tenants", "Secret/fsscim-secrets"} {
		if _, ok := ms[kind]; !ok {
			t.Fatalf("deploy/ has no %s", kind)
		}
	}

	// The tenant files in the ConfigMap pass fsscim check.
	dir := t.TempDir()
	cm := ms["ConfigMap/fsscim-tenants"]
	for name, body := range cm.Data {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if set, err := config.LoadDir(dir, config.LoadOptions{}); err != nil || len(cm.Data) == 0 {
		t.Errorf("the ConfigMap's tenant files do not load: %v", err)
	} else if set == nil {
		t.Error("no tenant set")
	}

	dep := ms["Deployment/fsscim"].Spec.Template.Spec
	if len(dep.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(dep.Containers))
	}
	c := dep.Containers[0]
	if dep.SecurityContext.RunAsUser == 0 || !dep.SecurityContext.RunAsNonRoot ||
		strconv.Itoa(dep.SecurityContext.RunAsUser) != strings.SplitN(d.user, ":", 2)[0] {
		t.Errorf("runAsUser %d (runAsNonRoot %v), want the image's user %s", dep.SecurityContext.RunAsUser, dep.SecurityContext.RunAsNonRoot, d.user)
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
	}
	for _, v := range d.volumes {
		if mounts[v] == "" {
			t.Errorf("the image's volume %s is not mounted", v)
		}
	}
	volumes := map[string]bool{}
	for _, v := range dep.Volumes {
		if v.ConfigMap != nil && v.ConfigMap.Name == "fsscim-tenants" && mounts[d.env["FSSCIM_TENANTS"]] == v.Name {
			volumes["tenants"] = true
		}
		if mounts[d.env["FSSCIM_DATA_DIR"]] == v.Name {
			volumes["data"] = true
		}
	}
	if !volumes["tenants"] || !volumes["data"] {
		t.Errorf("volumes: tenant ConfigMap at the tenant folder %v, data volume at the data dir %v", volumes["tenants"], volumes["data"])
	}
	if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("probes %q and %q, want /healthz and /readyz", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
	}
	if len(c.Ports) != 1 || strconv.Itoa(c.Ports[0].ContainerPort) != strings.TrimPrefix(d.env["FSSCIM_LISTEN"], ":") {
		t.Errorf("container ports %+v, want the image's %s", c.Ports, d.env["FSSCIM_LISTEN"])
	}
	svc := ms["Service/fsscim"]
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != c.Ports[0].Name {
		t.Errorf("the Service does not target the container port %q", c.Ports[0].Name)
	}
	secret := ms["Secret/fsscim-secrets"]
	envs := map[string]string{}
	for _, e := range c.Env {
		envs[e.Name] = e.ValueFrom.SecretKeyRef.Key
		if e.ValueFrom.SecretKeyRef.Name != "fsscim-secrets" {
			t.Errorf("%s comes from secret %q", e.Name, e.ValueFrom.SecretKeyRef.Name)
		}
	}
	if k := envs[config.EnvTokenKeys]; k == "" || secret.StringData[k] == "" {
		t.Errorf("%s is not fed from the Secret's %q", config.EnvTokenKeys, k)
	}
	if envs["FSSCIM_REDIS_URL"] == "" {
		t.Error("FSSCIM_REDIS_URL is not wired for scaling out")
	}
	// The arguments parse as `fsscim serve` arguments with the image's environment.
	var st config.Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	st.RegisterFlags(fs)
	if err := fs.Parse(c.Args); err != nil {
		t.Fatalf("container args %q: %v", c.Args, err)
	}
	st.ApplyEnv(func(k string) string { return d.env[k] })
	if err := st.Validate(); err != nil {
		t.Errorf("container args %q with the image's environment: %v", c.Args, err)
	}
}
