package freshservice

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxErrorText bounds a plain-text (or HTML) error body kept in an Error: enough to recognise a proxy
// page or a maintenance notice, short enough for one log line.
const maxErrorText = 200

// errorBody covers every error shape Freshservice is known to send: the validation answer
// {description, errors[{field, message, code}]}, {code, message}, and {message}. Values are decoded
// leniently because the documented samples disagree on types.
type errorBody struct {
	Description lenientText     `json:"description"`
	Errors      json.RawMessage `json:"errors"`
	Code        lenientText     `json:"code"`
	Message     lenientText     `json:"message"`
}

type fieldErrorBody struct {
	Field   lenientText `json:"field"`
	Message lenientText `json:"message"`
	Code    lenientText `json:"code"`
}

// lenientText decodes a string, a list of strings (joined) or any other JSON value (as its text).
type lenientText string

func (t *lenientText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*t = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = lenientText(s)
	case b[0] == '[':
		var parts []lenientText
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		strs := make([]string, 0, len(parts))
		for _, p := range parts {
			if p != "" {
				strs = append(strs, string(p))
			}
		}
		*t = lenientText(strings.Join(strs, ", "))
	default:
		*t = lenientText(b)
	}
	return nil
}

// fillFromBody reads what it can from an error answer's body into e; it never fails. Every form of the
// key is masked before the text is cut to length: a key straddling the cut would otherwise keep its
// first characters, which the mask no longer recognises.
func (e *Error) fillFromBody(body []byte, secrets []string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return
	}
	clean := func(s string) string { return cleanText(maskSecrets(s, secrets)) }
	var eb errorBody
	if body[0] == '{' && json.Unmarshal(body, &eb) == nil {
		e.Description = clean(string(eb.Description))
		e.Code = clean(string(eb.Code))
		e.Message = clean(string(eb.Message))
		e.Errors = parseFieldErrors(eb.Errors, clean)
		return
	}
	e.Message = clean(string(body))
}

func parseFieldErrors(raw json.RawMessage, clean func(string) string) []FieldError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil
	}
	var list []fieldErrorBody
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	out := make([]FieldError, 0, len(list))
	for _, fe := range list {
		out = append(out, FieldError{
			Field:   clean(string(fe.Field)),
			Message: clean(strings.Trim(string(fe.Message), " []\"")),
			Code:    clean(string(fe.Code)),
		})
	}
	return out
}

// cleanText makes untrusted text safe for one log line: valid UTF-8, no control characters, runs of
// white space collapsed, at most maxErrorText runes.
func cleanText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(min(len(s), maxErrorText+4))
	runes := 0
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			runes++
			space = false
		}
		if runes >= maxErrorText {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		runes++
	}
	return b.String()
}

// secretForms are the shapes the API key travels in: itself, and the Basic credential built from it
// (standard and URL base64, padded or not). An upstream that quotes a request back can show any.
func secretForms(key string) []string {
	if len(key) < 4 {
		return nil
	}
	cred := []byte(key + ":X")
	forms := []string{key}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		padded := enc.EncodeToString(cred)
		forms = append(forms, padded, strings.TrimRight(padded, "="))
	}
	return forms
}

const redactedMask = "[redacted]"

// maskSecrets replaces every form of the key in s.
func maskSecrets(s string, forms []string) string {
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, redactedMask)
	}
	return s
}

// redactedError stands in for a transport error whose text carried a form of the key.
type redactedError struct {
	text  string
	cause error
}

func (r redactedError) Error() string { return r.text }

// Timeout keeps net.Error's timeout verdict without exposing the cause's text.
func (r redactedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(r.cause, &t) && t.Timeout()
}

// redactTransportError masks the key in a transport error's text; an error that does not carry it
// is returned unchanged so that callers can still inspect it.
func redactTransportError(err error, forms []string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	masked := maskSecrets(text, forms)
	if masked == text {
		return err
	}
	return redactedError{text: masked, cause: err}
}

// parseRetryAfter reads Retry-After as seconds (what Freshservice sends) or, leniently, an HTTP date.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sanitizeTransportError rebuilds a transport failure so that its text names the endpoint template
// instead of the request URL (which may hold an email in its query) and can hold no credentials.
func sanitizeTransportError(err error, safeURL string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: safeURL, Err: stripURLs(ue.Err)}
	}
	return stripURLs(err)
}

// stripURLs guards against a nested *url.Error carrying a full URL.
func stripURLs(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			u.User = nil
			u.RawQuery = ""
			u.Fragment = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
		return &url.Error{Op: ue.Op, URL: "", Err: ue.Err}
	}
	return err
}
