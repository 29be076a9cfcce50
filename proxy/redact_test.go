package proxy

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	testAPIKey = "Fz9qK2mWx7RtLp4Yv8Nc"
	testToken  = "fss1.AbCdEf0123456789_-XyZ"
)

// loggedLine logs one entry through the redacting core and returns the JSON line.
func loggedLine(t *testing.T, log func(*zap.Logger)) string {
	t.Helper()
	var buf bytes.Buffer
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zap.DebugLevel)
	log(zap.New(RedactingCore(core)))
	return buf.String()
}

type credentials struct {
	User   string
	APIKey string `json:"api_key"`
	Nested struct{ Password string }
}

type objectWithSecret struct{}

func (objectWithSecret) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("domain", "acme.freshservice.com")
	enc.AddString("authorization", "Basic "+testAPIKey)
	return enc.AddObject("inner", zapcore.ObjectMarshalerFunc(func(enc zapcore.ObjectEncoder) error {
		enc.AddString("note", "sent Bearer "+testToken)
		return nil
	}))
}

type stringer string

func (s stringer) String() string { return string(s) }

func TestRedactingCoreRemovesSecrets(t *testing.T) {
	basic := "Basic " + testAPIKey
	tests := []struct {
		name string
		log  func(*zap.Logger)
		keep []string // what must still be there
	}{
		{"token in message", func(l *zap.Logger) { l.Info("rejected " + testToken) }, []string{"rejected"}},
		{"bearer header in message", func(l *zap.Logger) { l.Info("header was Authorization: Bearer " + testToken) }, []string{"Bearer [REDACTED]"}},
		{"basic header in error", func(l *zap.Logger) {
			l.Warn("call failed", zap.Error(errors.New("upstream echoed Authorization: "+basic)))
		}, []string{"call failed", "Basic [REDACTED]"}},
		{"api key parameter", func(l *zap.Logger) { l.Info("GET /x?api_key=" + testAPIKey + "&page=2") }, []string{"page=2"}},
		{"api key header", func(l *zap.Logger) { l.Info("sent X-Api-Key: " + testAPIKey) }, []string{"X-Api-Key: [REDACTED]"}},
		{"credentials in a URL", func(l *zap.Logger) {
			l.Info("dial", zap.String("url", "https://"+testAPIKey+":X@acme.freshservice.com/api/v2"))
		}, []string{"acme.freshservice.com/api/v2"}},
		{"redis password in a URL", func(l *zap.Logger) {
			l.Info("connect", zap.String("to", "rediss://:"+testAPIKey+"@redis.internal:6379/0"))
		}, []string{"redis.internal:6379"}},
		{"field named like a secret", func(l *zap.Logger) { l.Info("x", zap.String("api_key", testAPIKey)) }, []string{`"api_key":"[REDACTED]"`}},
		{"secret field on a child logger", func(l *zap.Logger) { l.With(zap.String("Authorization", basic)).Info("child") }, []string{"child"}},
		{"header map", func(l *zap.Logger) {
			l.Info("request", zap.Any("headers", http.Header{"Authorization": {basic}, "X-Request-Id": {"req-1"}}))
		}, []string{"req-1"}},
		{"query values", func(l *zap.Logger) {
			l.Info("request", zap.Any("query", url.Values{"token": {testToken}, "filter": {"userName eq x"}}))
		}, []string{"userName eq x"}},
		{"struct", func(l *zap.Logger) {
			c := credentials{User: "svc", APIKey: testAPIKey}
			c.Nested.Password = testAPIKey
			l.Info("creds", zap.Any("c", c))
		}, []string{"svc"}},
		{"object marshaler", func(l *zap.Logger) { l.Info("obj", zap.Object("o", objectWithSecret{})) }, []string{"acme.freshservice.com"}},
		{"inline object", func(l *zap.Logger) { l.Info("obj", zap.Inline(objectWithSecret{})) }, []string{"acme.freshservice.com"}},
		{"string slice", func(l *zap.Logger) { l.Info("list", zap.Strings("seen", []string{"ok", testToken})) }, []string{"ok"}},
		{"stringer", func(l *zap.Logger) { l.Info("s", zap.Stringer("v", stringer("Bearer "+testToken))) }, nil},
		{"byte string", func(l *zap.Logger) { l.Info("b", zap.ByteString("raw", []byte(`{"token":"`+testToken+`"}`))) }, nil},
		{"binary", func(l *zap.Logger) { l.Info("b", zap.Binary("raw", []byte("Basic "+testAPIKey))) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := loggedLine(t, tt.log)
			for _, secret := range []string{testAPIKey, testToken, "AbCdEf0123456789"} {
				if strings.Contains(line, secret) {
					t.Fatalf("secret %q in log line: %s", secret[:6], line)
				}
			}
			for _, k := range tt.keep {
				if !strings.Contains(line, k) {
					t.Errorf("log line lost %q: %s", k, line)
				}
			}
		})
	}
}

func TestRedactionLeavesOrdinaryTextAlone(t *testing.T) {
	tests := []string{
		"token issued before the tenant's tokens_not_before (acme.freshservice.com)",
		"created user alice@example.com in acme.freshservice.com",
		"GET /api/v2/requesters?query=%22primary_email%3A%27a%40b.com%27%22",
		"the bearer token is not valid for this fsscim server",
		"department Key Accounts not found",
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			if got := redactString(in); got != in {
				t.Fatalf("redactString changed ordinary text:\n in %s\nout %s", in, got)
			}
		})
	}
}

func TestSensitiveKeys(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"Authorization", true}, {"authorization", true}, {"X-Api-Key", true}, {"api_key", true},
		{"refresh_token", true}, {"client_secret", true}, {"redis_url", true}, {"freshservice_api_key", true},
		{"tenant", false}, {"request_id", false}, {"tokens_not_before", false}, {"freshservice_calls", false},
	}
	for _, tt := range tests {
		if got := sensitiveKey(tt.key); got != tt.want {
			t.Errorf("sensitiveKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestRedactionIsStable(t *testing.T) {
	in := "Authorization: Bearer " + testToken + " token=" + testToken + " api_key: " + testAPIKey
	once := redactString(in)
	if twice := redactString(once); twice != once {
		t.Fatalf("redacting again changed the text:\n%s\n%s", once, twice)
	}
	if strings.Contains(once, "]]") {
		t.Fatalf("redaction mangled the text: %s", once)
	}
}
