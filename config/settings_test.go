package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func TestSettingsFlagsEnvAndDefaults(t *testing.T) {
	env := map[string]string{
		"FSSCIM_LISTEN":          "127.0.0.1:9000",
		"FSSCIM_TENANTS":         "/etc/fsscim/tenants",
		"FSSCIM_DATA_DIR":        "/var/lib/fsscim",
		"FSSCIM_TLS_CERT":        "/tls/cert.pem",
		"FSSCIM_TLS_KEY":         "/tls/key.pem",
		"FSSCIM_TOKEN_KEYS_FILE": "/etc/fsscim/keys",
		"FSSCIM_REDIS_URL":       "redis://redis:6379/0",
		"FSSCIM_LOG_FORMAT":      "console",
	}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		envFirst bool // ApplyEnv before Parse instead of after
		want     Settings
	}{
		{
			name: "defaults",
			want: Settings{Listen: DefaultListen, DataDir: DefaultDataDir, LogFormat: DefaultLogFormat},
		},
		{
			name: "environment",
			env:  env,
			want: Settings{Listen: "127.0.0.1:9000", TenantsDir: "/etc/fsscim/tenants", DataDir: "/var/lib/fsscim",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "console"},
		},
		{
			name: "explicit flags win over the environment",
			args: []string{"--listen", ":9443", "--tenants", "./t", "--data-dir", "./d", "--insecure-http"},
			env:  env,
			want: Settings{Listen: ":9443", TenantsDir: "./t", DataDir: "./d",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "console", InsecureHTTP: true},
		},
		{
			name:     "explicit flags win when the environment is applied first",
			args:     []string{"--log-format", "json", "--data-dir", "./d"},
			env:      env,
			envFirst: true,
			want: Settings{Listen: "127.0.0.1:9000", TenantsDir: "/etc/fsscim/tenants", DataDir: "./d",
				TLSCert: "/tls/cert.pem", TLSKey: "/tls/key.pem", TokenKeysFile: "/etc/fsscim/keys",
				RedisURL: "redis://redis:6379/0", LogFormat: "json"},
		},
		{
			name: "empty variables count as unset",
			env:  map[string]string{"FSSCIM_LISTEN": "", "FSSCIM_DATA_DIR": ""},
			want: Settings{Listen: DefaultListen, DataDir: DefaultDataDir, LogFormat: DefaultLogFormat},
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
			s.flags = nil
			if s != tt.want {
				t.Errorf("got  %+v\nwant %+v", s, tt.want)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	ok := Settings{Listen: ":8443", TenantsDir: "t", DataDir: "d", TLSCert: "c", TLSKey: "k", LogFormat: "json"}
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
