package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
)

// Defaults of the server settings.
const (
	DefaultListen    = ":8080"
	DefaultDataDir   = "./fsscim-data"
	DefaultLogFormat = "json"
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
	// InsecureHTTP allows plain HTTP on an address other than loopback, for a TLS proxy in front.
	InsecureHTTP bool

	flags *flag.FlagSet // set by RegisterFlags; tells ApplyEnv which flags were given explicitly
}

// setting ties one string setting to its flag and its environment variable.
type setting struct {
	flag, env, def, usage string
	value                 *string
}

func (s *Settings) table() []setting {
	return []setting{
		{"listen", "FSSCIM_LISTEN", DefaultListen, "address to listen on", &s.Listen},
		{"tenants", "FSSCIM_TENANTS", "", "folder of tenant files (*.yaml)", &s.TenantsDir},
		{"data-dir", "FSSCIM_DATA_DIR", DefaultDataDir, "folder of the embedded store", &s.DataDir},
		{"tls-cert", "FSSCIM_TLS_CERT", "", "TLS certificate file (PEM)", &s.TLSCert},
		{"tls-key", "FSSCIM_TLS_KEY", "", "TLS private key file (PEM)", &s.TLSKey},
		{"token-keys-file", "FSSCIM_TOKEN_KEYS_FILE", "", "file of token keys (mode 0600); or set " + EnvTokenKeys, &s.TokenKeysFile},
		{"redis-url", "FSSCIM_REDIS_URL", "", "Redis URL to share rate budgets between replicas (optional)", &s.RedisURL},
		{"log-format", "FSSCIM_LOG_FORMAT", DefaultLogFormat, "log format: json or console", &s.LogFormat},
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
	fs.BoolVar(&s.InsecureHTTP, "insecure-http", false,
		"serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)")
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
		}
	}
}

// Validate checks the settings `serve` needs and reports every problem at once.
func (s *Settings) Validate() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

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
	if s.LogFormat != "json" && s.LogFormat != "console" {
		fail("--log-format %q is not allowed; use json or console", s.LogFormat)
	}
	if s.RedisURL != "" {
		// The URL may carry a password: it is not repeated.
		if u, err := url.Parse(s.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			fail("--redis-url is not a redis:// or rediss:// URL; use e.g. rediss://redis.internal:6379/0")
		}
	}
	return errors.Join(errs...)
}
