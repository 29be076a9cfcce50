package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"go.uber.org/zap/zapcore"
)

// fsscim never logs a secret on purpose; this guard catches the accident (an error message that
// quotes a header or a URL, a field added carelessly, a whole request header map logged).
//
// The patterns match the shapes a secret can take in text:
//   - an fsscim bearer token (fss1.…);
//   - the credential of an Authorization header (Bearer or Basic, the latter carrying the API key);
//   - a header or parameter named like a secret with its value (X-Api-Key: …, api_key=…, "token":"…");
//   - credentials inside a URL (https://key:X@host, redis://:password@host).
var (
	tokenPattern      = regexp.MustCompile(`fss1\.[A-Za-z0-9_\-]+`)
	credentialPattern = regexp.MustCompile(`(?i)\b(bearer|basic)(?:\s+|%20|\+)([A-Za-z0-9+/=._~\-]{8,})`)
	authHeaderPattern = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization"?\s*[:=]\s*"?)((?:bearer|basic|digest|token)\s+)?([^\s"',;&}\]]+)`)
	namedPattern      = regexp.MustCompile(`(?i)\b(x-api-key|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|token|password|passwd|secret|client[_-]?secret)("?\s*[:=]\s*"?)([^\s"',;&}\]]+)`)
	urlUserPattern    = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@"']*@`)
	plainWord         = regexp.MustCompile(`^[a-z]+$`)
)

const redacted = "[REDACTED]"

// redactString removes secrets from s.
func redactString(s string) string {
	if !mayHoldSecret(s) {
		return s
	}
	s = tokenPattern.ReplaceAllString(s, redacted)
	s = credentialPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := credentialPattern.FindStringSubmatch(m)
		if plainWord.MatchString(sub[2]) {
			return m // prose such as "bearer authentication", not a credential
		}
		return sub[1] + " " + redacted
	})
	s = authHeaderPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := authHeaderPattern.FindStringSubmatch(m)
		if strings.HasPrefix(sub[3], "[REDACTED") {
			return m
		}
		return sub[1] + sub[2] + redacted
	})
	s = namedPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := namedPattern.FindStringSubmatch(m)
		if strings.HasPrefix(sub[3], "[REDACTED") {
			return m
		}
		return sub[1] + sub[2] + redacted
	})
	return urlUserPattern.ReplaceAllString(s, "${1}"+redacted+"@")
}

// RedactText removes secrets from text fsscim prints outside its log (fsscim check's report), by the
// rules every log line goes through.
func RedactText(s string) string { return redactString(s) }

// mayHoldSecret is a cheap test that lets the common line skip the regular expressions.
func mayHoldSecret(s string) bool {
	if strings.Contains(s, "fss1.") || strings.Contains(s, "@") {
		return true
	}
	l := strings.ToLower(s)
	for _, w := range []string{"bearer", "basic", "key", "token", "pass", "secret", "authorization"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// sensitiveKey reports field names that must never carry a value, whatever it looks like.
func sensitiveKey(k string) bool {
	l := strings.ToLower(strings.ReplaceAll(k, "-", "_"))
	switch l {
	case "authorization", "proxy_authorization", "cookie", "set_cookie", "token", "bearer",
		"api_key", "apikey", "x_api_key", "password", "passwd", "secret", "client_secret",
		"access_token", "refresh_token", "token_keys", "fsscim_token_keys", "redis_url", "redis_password":
		return true
	}
	return strings.HasSuffix(l, "_token") || strings.HasSuffix(l, "_secret") ||
		strings.HasSuffix(l, "_password") || strings.HasSuffix(l, "_api_key")
}

// RedactingCore wraps a zap core so that no log line can carry a token, an API key in an
// Authorization header or URL, or a field named like a secret: messages, string and error fields,
// and structured fields (objects, maps, header sets) are all checked.
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
	e.Stack = redactString(e.Stack)
	return r.Core.Write(e, redactFields(fields))
}

func redactFields(fields []zapcore.Field) []zapcore.Field {
	out := make([]zapcore.Field, len(fields))
	for i, f := range fields {
		out[i] = redactField(f)
	}
	return out
}

func redactField(f zapcore.Field) zapcore.Field {
	if sensitiveKey(f.Key) && f.Type != zapcore.NamespaceType && f.Type != zapcore.SkipType {
		return zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redacted}
	}
	switch f.Type {
	case zapcore.StringType:
		f.String = redactString(f.String)
		return f
	case zapcore.ByteStringType:
		if b, ok := f.Interface.([]byte); ok {
			return zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redactString(string(b))}
		}
		return f
	case zapcore.ErrorType:
		if err, ok := f.Interface.(error); ok && err != nil {
			return zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redactString(safeString(err.Error))}
		}
		return f
	case zapcore.StringerType:
		if s, ok := f.Interface.(fmt.Stringer); ok && s != nil {
			return zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: redactString(safeString(s.String))}
		}
		return f
	case zapcore.ObjectMarshalerType, zapcore.ArrayMarshalerType, zapcore.ReflectType,
		zapcore.InlineMarshalerType, zapcore.BinaryType:
		return redactStructured(f)
	}
	return f
}

// safeString calls a String or Error method that may panic on a nil receiver.
func safeString(fn func() string) (s string) {
	defer func() {
		if recover() != nil {
			s = "<unprintable>"
		}
	}()
	return fn()
}

// redactStructured renders a structured field into plain values (maps, slices, strings), removes
// secrets from them and logs the cleaned values in place of the original.
func redactStructured(f zapcore.Field) zapcore.Field {
	enc := zapcore.NewMapObjectEncoder()
	var v any
	if f.Type == zapcore.InlineMarshalerType {
		// An inline object adds its keys to the entry itself; keep them together under its key.
		f.Type = zapcore.ObjectMarshalerType
	}
	func() {
		defer func() {
			if recover() != nil {
				v = "<unprintable>"
			}
		}()
		f.AddTo(enc)
		v = enc.Fields[f.Key]
	}()
	if f.Type == zapcore.BinaryType {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
	}
	return zapcore.Field{Key: f.Key, Type: zapcore.ReflectType, Interface: redactValue(v, 0)}
}

// redactValue walks plain values; past a depth it gives up the value rather than risk a secret.
func redactValue(v any, depth int) any {
	if depth > 16 {
		return redacted
	}
	switch x := v.(type) {
	case string:
		return redactString(x)
	case []byte:
		return redactString(string(x))
	case error:
		return redactString(safeString(x.Error))
	case fmt.Stringer:
		return redactString(safeString(x.String))
	case map[string]any:
		return redactMap(x, func(val any) any { return redactValue(val, depth+1) })
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = redactValue(val, depth+1)
		}
		return out
	case http.Header:
		return redactValue(map[string][]string(x), depth)
	case url.Values:
		return redactValue(map[string][]string(x), depth)
	case map[string][]string:
		return redactMap(x, func(vals []string) any {
			clean := make([]string, len(vals))
			for i, s := range vals {
				clean[i] = redactString(s)
			}
			return clean
		})
	case map[string]string:
		return redactMap(x, func(s string) any { return redactString(s) })
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return x
	}
	// Anything else (a struct, a typed map) goes through JSON, so that its field names are checked
	// like map keys; what JSON cannot hold is rendered as text and cleaned.
	if raw, err := json.Marshal(v); err == nil {
		var plain any
		if json.Unmarshal(raw, &plain) == nil {
			return redactValue(plain, depth+1)
		}
	}
	return redactString(renderValue(v))
}

// redactMap hides the value of every sensitive key and cleans the others with clean.
func redactMap[V any](m map[string]V, clean func(V) any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sensitiveKey(k) {
			out[k] = redacted
			continue
		}
		out[k] = clean(v)
	}
	return out
}

func renderValue(v any) (s string) {
	defer func() {
		if recover() != nil {
			s = "<unprintable>"
		}
	}()
	return fmt.Sprintf("%+v", v)
}
