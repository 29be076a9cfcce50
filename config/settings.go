package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of the server settings.
const (
	DefaultListen    = ":8080"
	DefaultDataDir   = "./fsscim-data"
	DefaultLogFormat = "json"
	DefaultLogLevel  = "info"
	// DefaultAdminListen keeps the admin listener (metrics, probes) off the network unless asked.
	DefaultAdminListen = "127.0.0.1:9090"
	// DefaultMaxConnections caps the SCIM listener's open connections; DefaultMaxConnectionsPerAddress
	// caps those of one client address (an IPv6 /64), so that one client cannot take them all.
	DefaultMaxConnections           = 1024
	DefaultMaxConnectionsPerAddress = 64
	// DefaultKeyCheckInterval is how often the API keys of active tenants are checked: a key revoked
	// in Freshservice shows in the tenant's status within it.
	DefaultKeyCheckInterval = time.Minute
	// MinKeyCheckInterval keeps the key checks from spending a noticeable share of a tenant's budget.
	MinKeyCheckInterval = 10 * time.Second
	// DefaultAuditRetention is how long the audit trail keeps entries unless told otherwise.
	DefaultAuditRetention = "30d"
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
	// AuditRetention is how long the audit trail keeps a tenant's entries unless its file says (e.g. 30d).
	AuditRetention string
	// InsecureHTTP allows plain HTTP on an address other than loopback, for a TLS proxy in front.
	InsecureHTTP bool
	// AllowEmpty lets a replica with no tenant file report ready.
	AllowEmpty bool
	// TrustedProxies lists, comma-separated, the addresses or CIDR ranges of the reverse proxies whose
	// X-Forwarded-For names the client (see TrustedProxyPrefixes); empty trusts none.
	TrustedProxies string
	// AllowedDomainSuffixes adds, comma-separated, host suffixes a tenant's domain may end in besides
	// freshservice.com (see LoadOptions).
	AllowedDomainSuffixes string
	// AllowAPIURL lets tenant files' api_url be followed: for emulators and test servers only.
	AllowAPIURL bool
	// MaxConnections and MaxConnectionsPerAddress cap the SCIM listener's open connections.
	MaxConnections           int
	MaxConnectionsPerAddress int
	// KeyCheckInterval is how often the API key of each tenant active in the last day is checked
	// with Freshservice (GET /agents/me), and the longest a verdict on a key is trusted.
	KeyCheckInterval time.Duration

	flags      *flag.FlagSet // set by RegisterFlags; tells ApplyEnv which flags were given explicitly
	envDataDir bool          // FSSCIM_DATA_DIR was applied (see DataDirGiven)
}

// setting ties one setting to its flag and its environment variable.
type setting struct {
	flag, env, def, usage string
	value                 flag.Value // bound to the Settings field; a *stringValue, *boolValue or *intValue
}

// Flags of the tenant-file rules, which check uses as well as serve, and the data dir's flag, whose
// absence serve warns about.
const (
	flagDataDir               = "data-dir"
	flagAllowedDomainSuffixes = "allowed-domain-suffixes"
	flagAllowAPIURL           = "allow-api-url"
)

func (s *Settings) table() []setting {
	return []setting{
		{"listen", "FSSCIM_LISTEN", DefaultListen, "address of the SCIM listener", (*stringValue)(&s.Listen)},
		{"tenants", "FSSCIM_TENANTS", "", "folder of tenant files (*.yaml)", (*stringValue)(&s.TenantsDir)},
		{flagDataDir, "FSSCIM_DATA_DIR", DefaultDataDir, "folder of the embedded store", (*stringValue)(&s.DataDir)},
		{"tls-cert", "FSSCIM_TLS_CERT", "", "TLS certificate file (PEM)", (*stringValue)(&s.TLSCert)},
		{"tls-key", "FSSCIM_TLS_KEY", "", "TLS private key file (PEM)", (*stringValue)(&s.TLSKey)},
		{"token-keys-file", "FSSCIM_TOKEN_KEYS_FILE", "", "file of token keys (mode 0600 or 0440); or set " + EnvTokenKeys, (*stringValue)(&s.TokenKeysFile)},
		{"redis-url", "FSSCIM_REDIS_URL", "", "Redis URL to share rate budgets between replicas (optional)", (*stringValue)(&s.RedisURL)},
		{"log-format", "FSSCIM_LOG_FORMAT", DefaultLogFormat, "log format: json or console", (*stringValue)(&s.LogFormat)},
		{"log-level", "FSSCIM_LOG_LEVEL", DefaultLogLevel, "lowest level logged: debug, info, warn or error (probe requests log at debug)", (*stringValue)(&s.LogLevel)},
		{"admin-listen", "FSSCIM_ADMIN_LISTEN", DefaultAdminListen, "address of the admin listener: /metrics, /readyz, /healthz", (*stringValue)(&s.AdminListen)},
		{"admin-token-file", "FSSCIM_ADMIN_TOKEN_FILE", "", "file holding the admin token for the admin listener's operator endpoints (mode 0600 or 0440)", (*stringValue)(&s.AdminTokenFile)},
		{"audit-retention", "FSSCIM_AUDIT_RETENTION", DefaultAuditRetention,
			"how long the audit trail keeps a tenant's entries unless its tenant file sets audit.retention: days (30d) or hours (36h), 1d to 3650d",
			(*stringValue)(&s.AuditRetention)},
		{"insecure-http", "FSSCIM_INSECURE_HTTP", "", "serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy)", (*boolValue)(&s.InsecureHTTP)},
		{"allow-empty", "FSSCIM_ALLOW_EMPTY", "", "report ready even when no tenant file is loaded", (*boolValue)(&s.AllowEmpty)},
		{"trusted-proxies", "FSSCIM_TRUSTED_PROXIES", "",
			"comma-separated addresses or CIDR ranges of the load balancers or reverse proxies in front; only their X-Forwarded-For is believed (default: none)",
			(*stringValue)(&s.TrustedProxies)},
		{flagAllowedDomainSuffixes, "FSSCIM_ALLOWED_DOMAIN_SUFFIXES", "",
			"comma-separated host suffixes tenant domains may end in besides freshservice.com",
			(*stringValue)(&s.AllowedDomainSuffixes)},
		{flagAllowAPIURL, "FSSCIM_ALLOW_API_URL", "",
			"follow tenant files' api_url (emulators and test servers only; never to link-local or metadata addresses)",
			(*boolValue)(&s.AllowAPIURL)},
		{"max-connections", "FSSCIM_MAX_CONNECTIONS", strconv.Itoa(DefaultMaxConnections),
			"most connections open at once on the SCIM listener", (*intValue)(&s.MaxConnections)},
		{"max-connections-per-address", "FSSCIM_MAX_CONNECTIONS_PER_ADDRESS", strconv.Itoa(DefaultMaxConnectionsPerAddress),
			"most connections open at once on the SCIM listener from one client address (an IPv6 /64); trusted proxies are not capped",
			(*intValue)(&s.MaxConnectionsPerAddress)},
		{"key-check-interval", "FSSCIM_KEY_CHECK_INTERVAL", DefaultKeyCheckInterval.String(),
			"how often the API key of each tenant active in the last day is checked with Freshservice (GET /agents/me, counted in its budget)",
			(*durationValue)(&s.KeyCheckInterval)},
	}
}

// RegisterFlags defines the settings' flags on fs, with their defaults.
func (s *Settings) RegisterFlags(fs *flag.FlagSet) {
	s.register(fs, func(setting) bool { return true })
}

// RegisterTenantRuleFlags defines only the flags of the rules tenant files are checked against
// (--allowed-domain-suffixes, --allow-api-url), for commands that check files as serve would.
func (s *Settings) RegisterTenantRuleFlags(fs *flag.FlagSet) {
	s.register(fs, func(o setting) bool { return o.flag == flagAllowedDomainSuffixes || o.flag == flagAllowAPIURL })
}

func (s *Settings) register(fs *flag.FlagSet, want func(setting) bool) {
	s.flags = fs
	for _, o := range s.table() {
		if !want(o) {
			continue
		}
		usage := o.usage + " (env " + o.env + ")"
		// The flag package's own kinds, so that --help names each value's type.
		switch v := o.value.(type) {
		case *stringValue:
			fs.StringVar((*string)(v), o.flag, o.def, usage)
		case *boolValue:
			fs.BoolVar((*bool)(v), o.flag, o.def == "true", usage)
		case *intValue:
			n, _ := strconv.Atoi(o.def) // the defaults above are numbers
			fs.IntVar((*int)(v), o.flag, n, usage)
		case *durationValue:
			d, _ := time.ParseDuration(o.def) // the defaults above are durations
			fs.DurationVar((*time.Duration)(v), o.flag, d, usage)
		}
	}
}

// DataDirGiven reports whether the data dir came from --data-dir or FSSCIM_DATA_DIR rather than the
// default, which lands wherever fsscim happens to be started.
func (s *Settings) DataDirGiven() bool {
	if s.envDataDir {
		return true
	}
	given := false
	if s.flags != nil {
		s.flags.Visit(func(f *flag.Flag) { given = given || f.Name == flagDataDir })
	}
	return given
}

// ApplyEnv reads the FSSCIM_* variables through getenv, for the settings whose flags are registered
// (all of them when none are). A flag given explicitly on the command line wins over its variable,
// whether ApplyEnv runs before or after the flags are parsed; an empty variable counts as unset. The
// error names each variable whose value does not parse, and the setting keeps its value.
func (s *Settings) ApplyEnv(getenv func(string) string) error {
	explicit, registered := map[string]bool{}, map[string]bool{}
	if s.flags != nil {
		s.flags.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		s.flags.VisitAll(func(f *flag.Flag) { registered[f.Name] = true })
	}
	var errs []error
	for _, o := range s.table() {
		if explicit[o.flag] || (s.flags != nil && !registered[o.flag]) {
			continue
		}
		v := getenv(o.env)
		if v == "" {
			continue
		}
		if err := o.value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q %w", o.env, v, err))
			continue
		}
		if o.flag == flagDataDir {
			s.envDataDir = true
		}
	}
	return errors.Join(errs...)
}

// TrustedProxyPrefixes parses TrustedProxies: addresses (a single host) and CIDR ranges,
// comma-separated.
func (s *Settings) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, raw := range strings.Split(s.TrustedProxies, ",") {
		v := strings.TrimSpace(raw)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR range; write e.g. 10.0.0.0/8,192.0.2.10,2001:db8::/32", v)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// LoadOptions are the tenant-file rules these settings ask for.
func (s *Settings) LoadOptions() (LoadOptions, error) {
	suffixes, err := ParseDomainSuffixes(s.AllowedDomainSuffixes)
	if err != nil {
		return LoadOptions{}, err
	}
	return LoadOptions{DomainSuffixes: suffixes, AllowAPIURL: s.AllowAPIURL}, nil
}

// stringValue, boolValue and intValue bind flags to Settings fields. Their errors read after the
// variable and its value, as ApplyEnv reports them.
type (
	stringValue   string
	boolValue     bool
	intValue      int
	durationValue time.Duration
)

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("is not true or false")
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return errors.New("is not a whole number")
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

// AuditRetentionPeriod is AuditRetention parsed; empty is DefaultAuditRetention.
func (s *Settings) AuditRetentionPeriod() (time.Duration, error) {
	if strings.TrimSpace(s.AuditRetention) == "" {
		return ParseAuditRetention(DefaultAuditRetention)
	}
	return ParseAuditRetention(s.AuditRetention)
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return errors.New("is not a duration such as 1m or 30s")
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }

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
	s.validateAdmin(fail, err == nil)
	if s.LogFormat != "json" && s.LogFormat != "console" {
		fail("--log-format %q is not allowed; use json or console", s.LogFormat)
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		fail("--log-level %q is not allowed; use debug, info, warn or error", s.LogLevel)
	}
	if _, err := s.TrustedProxyPrefixes(); err != nil {
		fail("--trusted-proxies: %v", err)
	}
	if _, err := ParseDomainSuffixes(s.AllowedDomainSuffixes); err != nil {
		fail("--allowed-domain-suffixes: %v", err)
	}
	if s.MaxConnections < 1 {
		fail("--max-connections %d: give at least 1 (default %d)", s.MaxConnections, DefaultMaxConnections)
	}
	if s.MaxConnectionsPerAddress < 1 {
		fail("--max-connections-per-address %d: give at least 1 (default %d)", s.MaxConnectionsPerAddress, DefaultMaxConnectionsPerAddress)
	}
	if _, err := s.AuditRetentionPeriod(); err != nil {
		fail("--audit-retention: %v", err)
	}
	if s.KeyCheckInterval < MinKeyCheckInterval {
		fail("--key-check-interval %s: give at least %s (default %s)", s.KeyCheckInterval, MinKeyCheckInterval, DefaultKeyCheckInterval)
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
