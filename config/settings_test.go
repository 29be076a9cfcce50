package config

import (
	"flag"
	"io"
	"strings"
	"testing"
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
	}
	defaults := Settings{Listen: DefaultListen, DataDir: DefaultDataDir, LogFormat: DefaultLogFormat,
		LogLevel: DefaultLogLevel, AdminListen: DefaultAdminListen}
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
			want: Settings{Listen: "127.0.0.1:9000", TenantsDir: "/etc/fsscim/tenants", DataDir: "/var/lib/fsscim",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "console", LogLevel: "debug", AdminListen: ":9091",
				AdminTokenFile: "/etc/fsscim/admin-token", InsecureHTTP: true, AllowEmpty: true},
			dataDirGiven: true,
		},
		{
			name: "explicit flags win over the environment",
			args: []string{"--listen", ":9443", "--tenants", "./t", "--data-dir", "./d", "--insecure-http=false",
				"--admin-listen", "127.0.0.1:9999", "--allow-empty=false"},
			env: env,
			want: Settings{Listen: ":9443", TenantsDir: "./t", DataDir: "./d",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "console", LogLevel: "debug", AdminListen: "127.0.0.1:9999",
				AdminTokenFile: "/etc/fsscim/admin-token"},
			dataDirGiven: true,
		},
		{
			name:     "explicit flags win when the environment is applied first",
			args:     []string{"--log-format", "json", "--data-dir", "./d", "--insecure-http=false"},
			env:      env,
			envFirst: true,
			want: Settings{Listen: "127.0.0.1:9000", TenantsDir: "/etc/fsscim/tenants", DataDir: "./d",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "json", LogLevel: "debug", AdminListen: ":9091",
				AdminTokenFile: "/etc/fsscim/admin-token", AllowEmpty: true},
			dataDirGiven: true,
		},
		{
			name: "empty variables count as unset",
			env:  map[string]string{"FSSCIM_LISTEN": "", "FSSCIM_DATA_DIR": "", "FSSCIM_INSECURE_HTTP": ""},
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
				s.ApplyEnv(getenv)
			}
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if !tt.envFirst {
				s.ApplyEnv(getenv)
			}
			if s.DataDirGiven() != tt.dataDirGiven {
				t.Errorf("DataDirGiven = %v, want %v", s.DataDirGiven(), tt.dataDirGiven)
			}
			if err := s.envErr; err != nil {
				t.Errorf("environment refused: %v", err)
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
	s.ApplyEnv(func(k string) string {
		return map[string]string{"FSSCIM_INSECURE_HTTP": "yes please", "FSSCIM_ALLOW_EMPTY": "TRUE",
			"FSSCIM_TENANTS": "t"}[k]
	})
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), `FSSCIM_INSECURE_HTTP="yes please" is not true or false`) {
		t.Fatalf("Validate = %v", err)
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
		LogLevel: "info", AdminListen: DefaultAdminListen}
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
