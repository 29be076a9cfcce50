package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestSettingsFlagsEnvAndDefaults(t *testing.T) {
	env := map[string]string{
		"FSSCIM_LISTEN":           "127.0.0.1:9000",
		"FSSCIM_TENANTS":          "/etc/fsscim/tenants",
		"FSSCIM_DATA_DIR":         "/var/lib/fsscim",
		"FSSCIM_TLS_CERT":         "/tls/cert.pem",
		"FSSCIM_TLS_KEY":          "/tls/key.pem",
		"FSSCIM_TOKEN_KEYS_FILE":  "/etc/fsscim/keys",
		"FSSCIM_REDIS_URL":        "redis://redis:6379/0",
		"FSSCIM_LOG_FORMAT":       "console",
		"FSSCIM_LOG_LEVEL":        "debug",
		"FSSCIM_ADMIN_LISTEN":     ":9091",
		"FSSCIM_ADMIN_TOKEN_FILE": "/etc/fsscim/admin-token",
		"FSSCIM_INSECURE_HTTP":    "true",
		"FSSCIM_ALLOW_EMPTY":      "1",

		"FSSCIM_TRUSTED_PROXIES":             "10.0.0.0/8",
		"FSSCIM_ALLOWED_DOMAIN_SUFFIXES":     "freshservice.example",
		"FSSCIM_ALLOW_API_URL":               "true",
		"FSSCIM_MAX_CONNECTIONS":             "300",
		"FSSCIM_MAX_CONNECTIONS_PER_ADDRESS": "20",
		"FSSCIM_KEY_CHECK_INTERVAL":          "30s",
		"FSSCIM_AUDIT_RETENTION":             "90d",
	}
	fromEnv := Settings{TrustedProxies: "10.0.0.0/8", AllowedDomainSuffixes: "freshservice.example", AllowAPIURL: true,
		MaxConnections: 300, MaxConnectionsPerAddress: 20, KeyCheckInterval: 30 * time.Second, AuditRetention: "90d"}
	withEnv := func(s Settings) Settings {
		s.AuditRetention = fromEnv.AuditRetention
		s.TrustedProxies, s.AllowedDomainSuffixes, s.AllowAPIURL = fromEnv.TrustedProxies, fromEnv.AllowedDomainSuffixes, fromEnv.AllowAPIURL
		s.MaxConnections, s.MaxConnectionsPerAddress = fromEnv.MaxConnections, fromEnv.MaxConnectionsPerAddress
		s.KeyCheckInterval = fromEnv.KeyCheckInterval
		return s
	}
	defaults := Settings{Listen: DefaultListen, DataDir: DefaultDataDir, LogFormat: DefaultLogFormat,
		LogLevel: DefaultLogLevel, AdminListen: DefaultAdminListen, AuditRetention: DefaultAuditRetention,
		MaxConnections: DefaultMaxConnections, MaxConnectionsPerAddress: DefaultMaxConnectionsPerAddress,
		KeyCheckInterval: DefaultKeyCheckInterval}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		envFirst bool // ApplyEnv before Parse instead of after
		want     Settings
		// dataDirGiven: the data dir came from the command line or the environment, not the default.
		dataDirGiven bool
	}{
		{
			name: "defaults",
			want: defaults,
		},
		{
			name: "environment",
			env:  env,
			want: withEnv(Settings{Listen: "127.0.0.1:9000", TenantsDir: "/etc/fsscim/tenants", DataDir: "/var/lib/fsscim",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "console", LogLevel: "debug", AdminListen: ":9091",
				AdminTokenFile: "/etc/fsscim/admin-token", InsecureHTTP: true, AllowEmpty: true}),
			dataDirGiven: true,
		},
		{
			name: "explicit flags win over the environment",
			args: []string{"--listen", ":9443", "--tenants", "./t", "--data-dir", "./d", "--insecure-http=false",
				"--admin-listen", "127.0.0.1:9999", "--allow-empty=false",
				"--allow-api-url=false", "--max-connections", "50", "--trusted-proxies", "192.0.2.1", "--key-check-interval", "2m", "--audit-retention", "7d"},
			env: env,
			want: Settings{Listen: ":9443", TenantsDir: "./t", DataDir: "./d",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "console", LogLevel: "debug", AdminListen: "127.0.0.1:9999",
				AdminTokenFile: "/etc/fsscim/admin-token",
				TrustedProxies: "192.0.2.1", AllowedDomainSuffixes: "freshservice.example", AllowAPIURL: false,
				MaxConnections: 50, MaxConnectionsPerAddress: 20, KeyCheckInterval: 2 * time.Minute, AuditRetention: "7d"},
			dataDirGiven: true,
		},
		{
			name: "explicit flags win when the environment is applied first",
			args: []string{"--log-format", "json", "--data-dir", "./d", "--insecure-http=false",
				"--max-connections-per-address", "8"},
			env:      env,
			envFirst: true,
			want: Settings{Listen: "127.0.0.1:9000", TenantsDir: "/etc/fsscim/tenants", DataDir: "./d",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "json", LogLevel: "debug", AdminListen: ":9091",
				AdminTokenFile: "/etc/fsscim/admin-token", AllowEmpty: true,
				TrustedProxies: "10.0.0.0/8", AllowedDomainSuffixes: "freshservice.example", AllowAPIURL: true,
				MaxConnections: 300, MaxConnectionsPerAddress: 8, KeyCheckInterval: 30 * time.Second, AuditRetention: "90d"},
			dataDirGiven: true,
		},
		{
			name: "empty variables count as unset",
			env: map[string]string{"FSSCIM_LISTEN": "", "FSSCIM_DATA_DIR": "", "FSSCIM_INSECURE_HTTP": "",
				"FSSCIM_ALLOW_API_URL": ""},
			want: defaults,
		},
		{
			name:         "the data dir given as a flag",
			args:         []string{"--data-dir", DefaultDataDir},
			want:         defaults,
			dataDirGiven: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Settings
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			s.RegisterFlags(fs)
			getenv := func(k string) string { return tt.env[k] }
			if tt.envFirst {
				if err := s.ApplyEnv(getenv); err != nil {
					t.Fatal(err)
				}
			}
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if !tt.envFirst {
				if err := s.ApplyEnv(getenv); err != nil {
					t.Fatal(err)
				}
			}
			if s.DataDirGiven() != tt.dataDirGiven {
				t.Errorf("DataDirGiven = %v, want %v", s.DataDirGiven(), tt.dataDirGiven)
			}
			s.flags, s.envDataDir = nil, false
			if s != tt.want {
				t.Errorf("got  %+v\nwant %+v", s, tt.want)
			}
		})
	}
}

// TestSettingsBooleanVariables: an on/off variable that is not true or false stops the start, named.
func TestSettingsBooleanVariables(t *testing.T) {
	var s Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	s.RegisterFlags(fs)
	err := s.ApplyEnv(func(k string) string {
		return map[string]string{"FSSCIM_INSECURE_HTTP": "yes please", "FSSCIM_ALLOW_EMPTY": "TRUE",
			"FSSCIM_TENANTS": "t"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), `FSSCIM_INSECURE_HTTP="yes please" is not true or false`) {
		t.Fatalf("ApplyEnv = %v", err)
	}
	if !s.AllowEmpty || s.InsecureHTTP {
		t.Fatalf("AllowEmpty %v, InsecureHTTP %v; want true and false", s.AllowEmpty, s.InsecureHTTP)
	}
}

// TestEverySettingHasAVariable: --help lists an environment variable beside every flag of serve.
func TestEverySettingHasAVariable(t *testing.T) {
	var s Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	s.RegisterFlags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(f.Usage, "(env FSSCIM_") {
			t.Errorf("--%s names no environment variable: %q", f.Name, f.Usage)
		}
	})
}

func TestSettingsValidate(t *testing.T) {
	ok := Settings{Listen: ":8443", TenantsDir: "t", DataDir: "d", TLSCert: "c", TLSKey: "k", LogFormat: "json",
		LogLevel: "info", AdminListen: DefaultAdminListen,
		MaxConnections: DefaultMaxConnections, MaxConnectionsPerAddress: DefaultMaxConnectionsPerAddress,
		KeyCheckInterval: DefaultKeyCheckInterval}
	tests := []struct {
		name   string
		change func(*Settings)
		want   []string // substrings, one per expected problem; none means valid
	}{
		{"valid with TLS", func(*Settings) {}, nil},
		{"plain HTTP on loopback", func(s *Settings) { s.Listen, s.TLSCert, s.TLSKey = "127.0.0.1:8080", "", "" }, nil},
		{"plain HTTP behind a proxy", func(s *Settings) { s.TLSCert, s.TLSKey, s.InsecureHTTP = "", "", true }, nil},
		{"plain HTTP to the network", func(s *Settings) { s.TLSCert, s.TLSKey = "", "" },
			[]string{"give --tls-cert and --tls-key, or --insecure-http"}},
		{"half a TLS pair", func(s *Settings) { s.TLSKey = "" }, []string{"--tls-cert and --tls-key go together"}},
		{"trusted proxies, suffixes and caps", func(s *Settings) {
			s.TrustedProxies, s.AllowedDomainSuffixes = "10.0.0.0/8, 192.0.2.7,2001:db8::/32", "freshservice.example"
			s.MaxConnections, s.MaxConnectionsPerAddress = 10, 10
		}, nil},
		{"trusted proxy not an address", func(s *Settings) { s.TrustedProxies = "10.0.0.0/8,lb.internal" },
			[]string{`--trusted-proxies: "lb.internal" is not an address or CIDR range`}},
		{"domain suffix not a suffix", func(s *Settings) { s.AllowedDomainSuffixes = "com" },
			[]string{`--allowed-domain-suffixes: "com" is a top-level domain; give a suffix of at least two names`}},
		{"no connection allowed", func(s *Settings) { s.MaxConnections, s.MaxConnectionsPerAddress = 0, -1 },
			[]string{"--max-connections 0: give at least 1", "--max-connections-per-address -1: give at least 1"}},
		{"admin listener on the network with TLS", func(s *Settings) { s.AdminListen = ":9090" }, nil},
		{"admin listener on the network behind a proxy", func(s *Settings) {
			s.TLSCert, s.TLSKey, s.InsecureHTTP, s.AdminListen = "", "", true, ":9090"
		}, nil},
		{"admin listener in plain HTTP to the network", func(s *Settings) {
			s.Listen, s.TLSCert, s.TLSKey, s.AdminListen = "127.0.0.1:8080", "", "", "0.0.0.0:9090"
		}, []string{"--admin-listen 0.0.0.0:9090 would serve /metrics and /readyz in plain HTTP"}},
		{"admin listener on the SCIM port", func(s *Settings) { s.AdminListen = "127.0.0.1:8443" },
			[]string{"give the admin listener its own port"}},
		{"both on port 0", func(s *Settings) { s.Listen, s.AdminListen = "127.0.0.1:0", "127.0.0.1:0" }, nil},
		{"admin listener not host:port", func(s *Settings) { s.AdminListen = "9090" },
			[]string{`--admin-listen "9090" is not host:port`}},
		{"log level", func(s *Settings) { s.LogLevel = "verbose" }, []string{`--log-level "verbose" is not allowed`}},
		{"key checks too often", func(s *Settings) { s.KeyCheckInterval = time.Second }, []string{"--key-check-interval 1s: give at least 10s"}},
		{"everything wrong at once", func(s *Settings) {
			s.TenantsDir, s.DataDir, s.Listen, s.LogFormat, s.RedisURL = "", "", "8080", "xml", "http://user:pw@redis"
		}, []string{"--tenants is missing", "--data-dir is empty", `--listen "8080" is not host:port`,
			`--log-format "xml"`, "--redis-url is not a redis://"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.change(&s)
			err := s.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("want %d problems, got:\n%v", len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("the Redis password is repeated: %v", err)
			}
		})
	}
}

func TestSettingsEnvThatDoesNotParse(t *testing.T) {
	var s Settings
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	s.RegisterFlags(fs)
	env := map[string]string{"FSSCIM_ALLOW_API_URL": "yes please", "FSSCIM_MAX_CONNECTIONS": "lots"}
	err := s.ApplyEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "FSSCIM_ALLOW_API_URL") || !strings.Contains(err.Error(), "FSSCIM_MAX_CONNECTIONS") {
		t.Fatalf("want both variables named, got %v", err)
	}
	if s.AllowAPIURL || s.MaxConnections != DefaultMaxConnections {
		t.Errorf("a bad value changed the setting: %+v", s)
	}
}

func TestTenantRuleFlagsOnly(t *testing.T) {
	var s Settings
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.RegisterTenantRuleFlags(fs)
	if err := fs.Parse([]string{"--allow-api-url"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FSSCIM_ALLOWED_DOMAIN_SUFFIXES": "freshservice.example", "FSSCIM_LISTEN": ":1", "FSSCIM_MAX_CONNECTIONS": "lots"}
	if err := s.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatalf("a variable of an unregistered flag was read: %v", err)
	}
	opts, err := s.LoadOptions()
	if err != nil || !opts.AllowAPIURL || len(opts.DomainSuffixes) != 1 || s.Listen != "" {
		t.Fatalf("got %+v, %v (settings %+v)", opts, err, s)
	}
	if fs.Lookup("listen") != nil {
		t.Error("--listen is registered")
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	s := Settings{TrustedProxies: " 10.1.2.3/8, 192.0.2.7 ,2001:db8::1/32,::ffff:198.51.100.1,"}
	got, err := s.TrustedProxyPrefixes()
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, p := range got {
		text = append(text, p.String())
	}
	if want := "10.0.0.0/8 192.0.2.7/32 2001:db8::/32 198.51.100.1/32"; strings.Join(text, " ") != want {
		t.Errorf("got %v, want %s", text, want)
	}
}
