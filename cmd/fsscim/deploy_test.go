package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/config/configtest"
)

// deployDir is the folder of the Kubernetes manifests and the compose file.
var deployDir = filepath.Join("..", "..", "deploy")

// manifests are the Kubernetes objects under deploy/, decoded strictly with the Kubernetes API types
// (a misspelt or misplaced field fails the decoding).
type manifests struct {
	deployment  *appsv1.Deployment
	service     *corev1.Service
	tenants     *corev1.ConfigMap
	secret      *corev1.Secret // the example; not applied
	claim       *corev1.PersistentVolumeClaim
	policy      *networkingv1.NetworkPolicy
	disruptions *policyv1.PodDisruptionBudget
	files       map[string]string // object (kind/name) -> file name
}

// kustomization is the part of kustomization.yaml that kustomize reads here.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

// Files of deploy/ that are not Kubernetes objects.
const (
	kustomizationFile = "kustomization.yaml"
	composeFile       = "compose.yaml"
)

func readManifests(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests under deploy/: %v", err)
	}
	m := &manifests{files: map[string]string{}}
	for _, f := range files {
		name := filepath.Base(f)
		if name == kustomizationFile || name == composeFile {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(raw, &tm); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// One object per file, decoded into its API type; a kind not listed here fails the test, so
		// every new manifest gets checked.
		var obj interface{ GetName() string }
		wantVersion := "v1"
		switch tm.Kind {
		case "Deployment":
			obj, wantVersion = decodeStrict(t, name, raw, &m.deployment), "apps/v1"
		case "Service":
			obj = decodeStrict(t, name, raw, &m.service)
		case "ConfigMap":
			obj = decodeStrict(t, name, raw, &m.tenants)
		case "Secret":
			obj = decodeStrict(t, name, raw, &m.secret)
		case "PersistentVolumeClaim":
			obj = decodeStrict(t, name, raw, &m.claim)
		case "NetworkPolicy":
			obj, wantVersion = decodeStrict(t, name, raw, &m.policy), "networking.k8s.io/v1"
		case "PodDisruptionBudget":
			obj, wantVersion = decodeStrict(t, name, raw, &m.disruptions), "policy/v1"
		default:
			t.Fatalf("%s: kind %q is not checked by this test; add it", name, tm.Kind)
		}
		if tm.APIVersion != wantVersion {
			t.Errorf("%s: apiVersion %q, want %s", name, tm.APIVersion, wantVersion)
		}
		m.files[tm.Kind+"/"+obj.GetName()] = name
	}
	for _, missing := range []struct {
		what string
		nil  bool
	}{{"Deployment", m.deployment == nil}, {"Service", m.service == nil}, {"ConfigMap", m.tenants == nil},
		{"Secret example", m.secret == nil}, {"PersistentVolumeClaim", m.claim == nil},
		{"NetworkPolicy", m.policy == nil}, {"PodDisruptionBudget", m.disruptions == nil}} {
		if missing.nil {
			t.Fatalf("deploy/ has no %s", missing.what)
		}
	}
	return m
}

// decodeStrict decodes raw into a new T, stored in *into; a field the type does not know fails the test.
func decodeStrict[T any, P interface {
	*T
	GetName() string
}](t *testing.T, file string, raw []byte, into *P) P {
	t.Helper()
	*into = new(T)
	if err := yaml.UnmarshalStrict(raw, *into); err != nil {
		t.Fatalf("%s does not decode as its Kubernetes type: %v", file, err)
	}
	return *into
}

// portOf resolves a probe's or policy's port (name or number) against the container's ports.
func portOf(c corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return -1
}

func listenPort(t *testing.T, addr string) int32 {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil {
		t.Fatalf("listen address %q", addr)
	}
	return int32(n)
}

// TestDeployManifestsFitTheImage checks the manifests under deploy/ against the image and the binary:
// the tenant files they ship validate, the volumes mount where the image expects them, the key files
// are mounted with a mode fsscim accepts, the probes call the admin listener, the ingress reaches
// only the SCIM port and monitoring only the admin port, nothing runs as root, and the example Secret
// is never applied.
func TestDeployManifestsFitTheImage(t *testing.T) {
	m := readManifests(t)
	d := readDockerfile(t)

	// The tenant files in the ConfigMap pass fsscim check.
	dir := t.TempDir()
	for name, body := range m.tenants.Data {
		configtest.WriteTenant(t, dir, name, body)
	}
	if set, err := config.LoadDir(dir, config.LoadOptions{}); err != nil || set.Len() == 0 {
		t.Errorf("the ConfigMap's tenant files do not load: %v", err)
	}

	pod := m.deployment.Spec.Template
	spec := pod.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := spec.SecurityContext
	uid, gid, _ := strings.Cut(d.user, ":")
	if sc == nil || sc.RunAsUser == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || strconv.FormatInt(*sc.RunAsUser, 10) != uid ||
		sc.FSGroup == nil || strconv.FormatInt(*sc.FSGroup, 10) != gid {
		t.Errorf("pod security context %+v: want non-root, the image's user %s and its group as fsGroup", sc, d.user)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token; fsscim never calls the Kubernetes API")
	}
	if !labels.SelectorFromSet(m.deployment.Spec.Selector.MatchLabels).Matches(labels.Set(pod.Labels)) {
		t.Error("the Deployment's selector does not match its pods")
	}

	// Volumes where the image expects them.
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.MountPath] = vm
	}
	for _, v := range d.volumes {
		if _, ok := mounts[v]; !ok {
			t.Errorf("the image's volume %s is not mounted", v)
		}
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	tenantsMount := mounts[d.env["FSSCIM_TENANTS"]]
	if v := volumes[tenantsMount.Name]; v.ConfigMap == nil || v.ConfigMap.Name != m.tenants.Name || !tenantsMount.ReadOnly {
		t.Errorf("the tenant folder %s is not the ConfigMap %s, read-only", d.env["FSSCIM_TENANTS"], m.tenants.Name)
	}
	if v := volumes[mounts[d.env["FSSCIM_DATA_DIR"]].Name]; v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != m.claim.Name {
		t.Errorf("the data dir %s is not the claim %s", d.env["FSSCIM_DATA_DIR"], m.claim.Name)
	}

	// Settings from the container's environment.
	envs := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		envs[e.Name] = e
	}
	if r := envs["FSSCIM_REDIS_URL"].ValueFrom; r == nil || r.SecretKeyRef == nil || r.SecretKeyRef.Name != m.secret.Name ||
		r.SecretKeyRef.Optional == nil || !*r.SecretKeyRef.Optional {
		t.Error("FSSCIM_REDIS_URL is not wired, optionally, from the Secret for scaling out")
	}
	if g := envs["GOMEMLIMIT"].ValueFrom; g == nil || g.ResourceFieldRef == nil || g.ResourceFieldRef.Resource != "limits.memory" ||
		g.ResourceFieldRef.ContainerName != c.Name || !(g.ResourceFieldRef.Divisor.IsZero() || g.ResourceFieldRef.Divisor.Value() == 1) {
		t.Errorf("GOMEMLIMIT is not the container's memory limit in bytes: %+v", envs["GOMEMLIMIT"])
	}
	if c.Resources.Limits.Memory().IsZero() {
		t.Error("no memory limit for GOMEMLIMIT to follow")
	}

	// The key files: mounted read-only from the Secret, with the mode the kubelet gives them (the
	// volume's defaultMode; with an fsGroup it adds group read to read-only volumes), which fsscim
	// must accept.
	secretFiles := map[string]string{} // path in the container -> Secret key
	var mode int32
	for _, v := range spec.Volumes {
		if v.Secret == nil {
			continue
		}
		vm, ok := mountOf(c, v.Name)
		if !ok || !vm.ReadOnly || v.Secret.SecretName != m.secret.Name || v.Secret.DefaultMode == nil {
			t.Fatalf("Secret volume %s: mounted read-only %v, secret %q, defaultMode set %v", v.Name, vm.ReadOnly, v.Secret.SecretName, v.Secret.DefaultMode != nil)
		}
		mode = *v.Secret.DefaultMode | 0o440
		for _, it := range v.Secret.Items {
			secretFiles[path.Join(vm.MountPath, it.Path)] = it.Key
		}
	}
	for env, load := range map[string]func(string) error{
		"FSSCIM_TOKEN_KEYS_FILE":  func(p string) error { _, err := config.LoadKeysFile(p); return err },
		"FSSCIM_ADMIN_TOKEN_FILE": func(p string) error { _, err := config.LoadAdminTokenFile(p); return err },
	} {
		key, ok := secretFiles[envs[env].Value]
		if !ok || m.secret.StringData[key] == "" {
			t.Errorf("%s=%q is not a file of the Secret volume (example Secret key %q)", env, envs[env].Value, key)
			continue
		}
		value, _ := config.NewKey()
		p := configtest.WriteSecret(t, filepath.Join(t.TempDir(), key), value, os.FileMode(mode))
		if err := load(p); err != nil {
			t.Errorf("%s mounted with mode %04o is refused: %v", env, mode, err)
		}
	}

	// Ports and probes: SCIM on the image's listen port, everything else on the admin port.
	scimPort, adminPort := listenPort(t, d.env["FSSCIM_LISTEN"]), listenPort(t, d.env["FSSCIM_ADMIN_LISTEN"])
	if len(c.Ports) != 2 || portOf(c, intstr.FromString("http")) != scimPort || portOf(c, intstr.FromString("admin")) != adminPort {
		t.Errorf("container ports %+v, want http %d and admin %d", c.Ports, scimPort, adminPort)
	}
	for name, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		want := "/healthz"
		if name == "readiness" {
			want = "/readyz"
		}
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != want || portOf(c, p.HTTPGet.Port) != adminPort {
			t.Errorf("%s probe %+v: want GET %s on the admin port %d", name, p, want, adminPort)
		}
	}
	if a := pod.Annotations; a["prometheus.io/port"] != strconv.Itoa(int(adminPort)) || a["prometheus.io/path"] != "/metrics" {
		t.Errorf("scrape annotations %v: want /metrics on the admin port", a)
	}

	// The Service: the ingress's port to SCIM, the admin port for Prometheus.
	svcPorts := map[string]string{}
	for _, p := range m.service.Spec.Ports {
		svcPorts[p.Name] = p.TargetPort.String()
	}
	if svcPorts["http"] != "http" || svcPorts["admin"] != "admin" || len(svcPorts) != 2 {
		t.Errorf("Service ports %v: want http -> http and admin -> admin", svcPorts)
	}
	if !labels.SelectorFromSet(m.service.Spec.Selector).Matches(labels.Set(pod.Labels)) {
		t.Error("the Service does not select the pods")
	}

	// The NetworkPolicy: SCIM from one namespace (the ingress), admin from another (monitoring), and
	// no rule open to everyone.
	np := m.policy.Spec
	sel, err := metav1.LabelSelectorAsSelector(&np.PodSelector)
	if err != nil || !sel.Matches(labels.Set(pod.Labels)) || !slices.Contains(np.PolicyTypes, networkingv1.PolicyTypeIngress) {
		t.Errorf("the NetworkPolicy does not govern the pods' ingress: %+v", np)
	}
	allowed := map[int32][]string{}
	for _, rule := range np.Ingress {
		if len(rule.From) == 0 || len(rule.Ports) == 0 {
			t.Errorf("ingress rule %+v lets anyone in, or to any port", rule)
			continue
		}
		for _, p := range rule.Ports {
			for _, from := range rule.From {
				if from.NamespaceSelector == nil || len(from.NamespaceSelector.MatchLabels) == 0 {
					t.Errorf("ingress rule source %+v is not a named namespace", from)
					continue
				}
				allowed[portOf(c, *p.Port)] = append(allowed[portOf(c, *p.Port)], labels.Set(from.NamespaceSelector.MatchLabels).String())
			}
		}
	}
	if len(allowed) != 2 || len(allowed[scimPort]) != 1 || len(allowed[adminPort]) != 1 || allowed[scimPort][0] == allowed[adminPort][0] {
		t.Errorf("NetworkPolicy lets in %v; want the SCIM port from the ingress namespace and the admin port from the monitoring one", allowed)
	}

	// The PodDisruptionBudget covers the pods and never blocks a drain of the single replica.
	pdb := m.disruptions.Spec
	sel, err = metav1.LabelSelectorAsSelector(pdb.Selector)
	if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
		t.Error("the PodDisruptionBudget does not select the pods")
	}
	if pdb.MaxUnavailable == nil || pdb.MaxUnavailable.IntValue() < 1 || pdb.MinAvailable != nil {
		t.Errorf("PodDisruptionBudget %+v: want maxUnavailable of at least 1 (minAvailable would block draining one replica)", pdb)
	}

	// The kustomization applies every manifest but the example Secret, which would overwrite the
	// real one.
	raw, err := os.ReadFile(filepath.Join(deployDir, kustomizationFile))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(raw, &k); err != nil || k.Kind != "Kustomization" || k.APIVersion != "kustomize.config.k8s.io/v1beta1" {
		t.Fatalf("kustomization.yaml: %v (%s %s)", err, k.APIVersion, k.Kind)
	}
	var want []string
	for obj, file := range m.files {
		if obj != "Secret/"+m.secret.Name {
			want = append(want, file)
		}
	}
	slices.Sort(want)
	got := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(got, want) {
		t.Errorf("kustomization resources %v, want every manifest but the example Secret: %v", got, want)
	}

	// The container's arguments are `fsscim serve` arguments valid with the image's and the
	// manifest's environment.
	wantServeArgs(t, fmt.Sprintf("container args %q", c.Args), c.Args, func(k string) string {
		if e, ok := envs[k]; ok && e.ValueFrom == nil {
			return e.Value
		}
		return d.env[k]
	})
}

// wantServeArgs checks that args (named what in failures) are valid `fsscim serve` arguments with
// the environment getenv reads.
func wantServeArgs(t *testing.T, what string, args []string, getenv func(string) string) {
	t.Helper()
	var st config.Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	st.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := st.ApplyEnv(getenv); err != nil {
		t.Errorf("%s: the environment does not parse: %v", what, err)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("%s with the image's environment: %v", what, err)
	}
}

func mountOf(c corev1.Container, volume string) (corev1.VolumeMount, bool) {
	for _, vm := range c.VolumeMounts {
		if vm.Name == volume {
			return vm, true
		}
	}
	return corev1.VolumeMount{}, false
}
