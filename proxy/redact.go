package proxy

import (
	"regexp"
	"strings"

	"go.uber.org/zap/zapcore"
)

// secretPattern matches the shapes a secret can take in text: an fsscim token, and the credential of
// an Authorization header (Bearer or Basic). fsscim never logs these on purpose; the guard catches the
// accident (an error message that quotes a header, a field added carelessly).
var secretPattern = regexp.MustCompile(`fss1\.[A-Za-z0-9_\-]+|(?i)(bearer|basic)\s+[A-Za-z0-9+/=._\-]{8,}`)

const redacted = "[REDACTED]"

// redactString removes secrets from s.
func redactString(s string) string {
	if !strings.Contains(s, "fss1.") && !strings.Contains(strings.ToLower(s), "bearer") && !strings.Contains(strings.ToLower(s), "basic") {
		return s
	}
	return secretPattern.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "fss1.") {
			return redacted
		}
		scheme, _, _ := strings.Cut(m, " ")
		return scheme + " " + redacted
	})
}

// sensitiveKey reports field names that must never carry a value.
func sensitiveKey(k string) bool {
	switch strings.ToLower(k) {
	case "authorization", "token", "api_key", "apikey", "password", "secret":
		return true
	}
	return false
}

// RedactingCore wraps a zap core so that no log line can carry a token, an API key in an
// Authorization header, or a field named like a secret.
func RedactingCore(c zapcore.Core) zapcore.Core { return redactingCore{c} }

type redactingCore struct{ zapcore.Core }

func (r redactingCore) With(fields []zapcore.Field) zapcore.Core {
	return redactingCore{r.Core.With(redactFields(fields))}
}

func (r redactingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if r.Enabled(e.Level) {
		return ce.AddCore(e, r)
	}
	return ce
}

func (r redactingCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	e.Message = redactString(e.Message)
	return r.Core.Write(e, redactFields(fields))
}

func redactFields(fields []zapcore.Field) []zapcore.Field {
	out := make([]zapcore.Field, len(fields))
	for i, f := range fields {
		switch {
		case sensitiveKey(f.Key):
			f = zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redacted}
		case f.Type == zapcore.StringType:
			f.String = redactString(f.String)
		case f.Type == zapcore.ErrorType:
			if err, ok := f.Interface.(error); ok && err != nil {
				f = zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redactString(err.Error())}
			}
		case f.Type == zapcore.StringerType:
			if s, ok := f.Interface.(interface{ String() string }); ok && s != nil {
				f = zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redactString(s.String())}
			}
		}
		out[i] = f
	}
	return out
}
