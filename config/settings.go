package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// Defaults of the server settings.
const (
	DefaultListen    = ":8080"
	DefaultDataDir   = "./fsscim-data"
	DefaultLogFormat = "json"
	DefaultLogLevel  = "info"
	// DefaultAdminListen keeps the admin listener (metrics, probes) off the network unless asked.
	DefaultAdminListen = "127.0.0.1:9090"
)

// EnvTokenKeys names the environment variable holding the token keys (see KeysFromEnvOrFile). It is
// not part of Settings so that Settings can be printed and logged.
const EnvTokenKeys = "FSSCIM_TOKEN_KEYS"

// Settings are the server's own settings, from flags and FSSCIM_* environment variables. They hold no
// secret: token keys are read separately.
type Settings struct {
	Listen        string // address to listen on, e.g. ":8080"
	TenantsDir    string // folder of tenant files
	DataDir       string // folder of the embedded store
	TLSCert       string // PEM certificate file; with TLSKey, serve HTTPS
	TLSKey        string // PEM private key file
	TokenKeysFile string // file of token keys, instead of FSSCIM_TOKEN_KEYS
	RedisURL      string // optional; shares rate budgets between replicas
	LogFormat     string // json or console
	LogLevel      string // debug, info, warn or error
	// AdminListen is the address of the admin listener: /metrics, /readyz, /healthz and the operator
	// endpoints, kept apart from the SCIM listener that faces the internet.
	AdminListen string
	// AdminTokenFile holds the token the admin listener's operator endpoints ask for.
	AdminTokenFile string
	// InsecureHTTP allows plain HTTP on an address other than loopback, for a TLS proxy in front.
	InsecureHTTP bool
	// AllowEmpty lets a replica with no tenant file report ready.
	AllowEmpty bool

	flags      *flag.FlagSet // set by RegisterFlags; tells ApplyEnv which flags were given explicitly
	envDataDir bool          // FSSCIM_DATA_DIR was applied
	envErr     error         // variables that do not parse, reported by Validate
}

// setting ties one string setting to its flag and its environment variable.
type setting struct {
	flag, env, def, usage string
	value                 *string
}

func (s *Settings) table() []setting {
	return []setting{
		{"listen", "FSSCIM_LISTEN", DefaultListen, "address of the SCIM listener", &s.Listen},
		{"tenants", "FSSCIM_TENANTS", "", "folder of tenant files (*.yaml)", &s.TenantsDir},
		{"data-dir", "FSSCIM_DATA_DIR", DefaultDataDir, "folder of the embedded store", &s.DataDir},
		{"tls-cert", "FSSCIM_TLS_CERT", "", "TLS certificate file (PEM)", &s.TLSCert},
		{"tls-key", "FSSCIM_TLS_KEY", "", "TLS private key file (PEM)", &s.TLSKey},
		{"token-keys-file", "FSSCIM_TOKEN_KEYS_FILE", "", "file of token keys (mode 0600 or 0440); or set " + EnvTokenKeys, &s.TokenKeysFile},
		{"redis-url", "FSSCIM_REDIS_URL", "", "Redis URL to share rate budgets between replicas (optional)", &s.RedisURL},
		{"log-format", "FSSCIM_LOG_FORMAT", DefaultLogFormat, "log format: json or console", &s.LogFormat},
		{"log-level", "FSSCIM_LOG_LEVEL", DefaultLogLevel, "lowest level logged: debug, info, warn or error (probe requests log at debug)", &s.LogLevel},
		{"admin-listen", "FSSCIM_ADMIN_LISTEN", DefaultAdminListen, "address of the admin listener: /metrics, /readyz, /healthz", &s.AdminListen},
		{"admin-token-file", "FSSCIM_ADMIN_TOKEN_FILE", "", "file holding the admin token for the admin listener's operator endpoints (mode 0600 or 0440)", &s.AdminTokenFile},
	}
}

// boolSetting ties one on/off setting to its flag and its environment variable.
type boolSetting struct {
	flag, env, usage string
	value            *bool
}

func (s *Settings) boolTable() []boolSetting {
	return []boolSetting{
		{"insecure-http", "FSSCIM_INSECURE_HTTP", "serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)", &s.InsecureHTTP},
		{"allow-empty", "FSSCIM_ALLOW_EMPTY", "report ready even when no tenant file is loaded", &s.AllowEmpty},
	}
}

// RegisterFlags defines the settings' flags on fs, with their defaults.
func (s *Settings) RegisterFlags(fs *flag.FlagSet) {
	s.flags = fs
	for _, o := range s.table() {
		usage := o.usage
		if o.env != "" {
			usage += " (env " + o.env + ")"
		}
		fs.StringVar(o.value, o.flag, o.def, usage)
	}
	for _, o := range s.boolTable() {
		fs.BoolVar(o.value, o.flag, false, o.usage+" (env "+o.env+"=true)")
	}
}

// ApplyEnv reads the FSSCIM_* variables through getenv. A flag given explicitly on the command line
// wins over its variable, whether ApplyEnv runs before or after the flags are parsed; an empty
// variable counts as unset.
func (s *Settings) ApplyEnv(getenv func(string) string) {
	explicit := map[string]bool{}
	if s.flags != nil {
		s.flags.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	}
	for _, o := range s.table() {
		if v := getenv(o.env); v != "" && !explicit[o.flag] {
			*o.value = v
			if o.value == &s.DataDir {
				s.envDataDir = true
			}
		}
	}
	var errs []error
	for _, o := range s.boolTable() {
		v := getenv(o.env)
		if v == "" || explicit[o.flag] {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not true or false", o.env, v))
			continue
		}
		*o.value = b
	}
	s.envErr = errors.Join(errs...)
}

// DataDirGiven reports whether the data dir came from --data-dir or FSSCIM_DATA_DIR rather than the
// default, which lands wherever fsscim happens to be started.
func (s *Settings) DataDirGiven() bool {
	if s.envDataDir {
		return true
	}
	given := false
	if s.flags != nil {
		s.flags.Visit(func(f *flag.Flag) { given = given || f.Name == "data-dir" })
	}
	return given
}

// Validate checks the settings `serve` needs and reports every problem at once.
func (s *Settings) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.envErr != nil {
		errs = append(errs, s.envErr)
	}

	if s.TenantsDir == "" {
		fail("--tenants is missing; give the folder of tenant files (or set FSSCIM_TENANTS)")
	}
	if s.DataDir == "" {
		fail("--data-dir is empty; give a folder for the embedded store, e.g. %s", DefaultDataDir)
	}
	host, _, err := net.SplitHostPort(s.Listen)
	if err != nil {
		fail("--listen %q is not host:port; use e.g. %s or 127.0.0.1:8080", s.Listen, DefaultListen)
	}
	switch {
	case (s.TLSCert == "") != (s.TLSKey == ""):
		fail("--tls-cert and --tls-key go together; give both, or neither")
	case s.TLSCert == "" && !s.InsecureHTTP && err == nil && !isLoopbackHost(host):
		fail("--listen %s would serve plain HTTP to the network, and Entra ID only talks HTTPS; "+
			"give --tls-cert and --tls-key, or --insecure-http when a TLS-terminating proxy sits in front", s.Listen)
	}
	s.validateAdmin(fail, err == nil)
	if s.LogFormat != "json" && s.LogFormat != "console" {
		fail("--log-format %q is not allowed; use json or console", s.LogFormat)
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		fail("--log-level %q is not allowed; use debug, info, warn or error", s.LogLevel)
	}
	if s.RedisURL != "" {
		// The URL may carry a password: it is not repeated.
		if u, err := url.Parse(s.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			fail("--redis-url is not a redis:// or rediss:// URL; use e.g. rediss://redis.internal:6379/0")
		}
	}
	return errors.Join(errs...)
}

// validateAdmin checks the admin listener's address: its own port, and plain HTTP on it only where
// the SCIM listener would be allowed it (loopback, or --insecure-http). With TLS, both listeners use
// the same certificate.
func (s *Settings) validateAdmin(fail func(string, ...any), listenOK bool) {
	host, port, err := net.SplitHostPort(s.AdminListen)
	if err != nil {
		fail("--admin-listen %q is not host:port; use e.g. %s, or :9090 for probes and scrapes from the cluster",
			s.AdminListen, DefaultAdminListen)
		return
	}
	if _, scimPort, err := net.SplitHostPort(s.Listen); listenOK && err == nil && port == scimPort && port != "0" {
		fail("--admin-listen %s uses the port of --listen %s; give the admin listener its own port, e.g. %s",
			s.AdminListen, s.Listen, DefaultAdminListen)
	}
	if s.TLSCert == "" && !s.InsecureHTTP && !isLoopbackHost(host) {
		fail("--admin-listen %s would serve /metrics and /readyz in plain HTTP to the network; "+
			"give --tls-cert and --tls-key (both listeners then use them), or --insecure-http when only the "+
			"cluster reaches that port", s.AdminListen)
	}
}
