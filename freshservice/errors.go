package freshservice

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Freshservice error codes the client classifies on.
const (
	CodeDuplicateValue = "duplicate_value"
	CodeInvalidValue   = "invalid_value"
	CodeMissingField   = "missing_field"
	CodeInvalidField   = "invalid_field"
)

// FieldError is one entry of a validation answer's errors list.
type FieldError struct {
	Field   string
	Message string
	Code    string
}

// Error is every failure of a Freshservice call: a non-2xx answer, a transport failure (Status 0), or
// a refusal by the local rate budget (Status 429, Local true). It never holds the API key, the
// Authorization header or a URL with a query.
type Error struct {
	Status      int    // HTTP status; 0 for a timeout or connection error
	Method      string // GET, POST ...
	Endpoint    string // template, e.g. "/requesters/{id}"
	Code        string // top-level code, e.g. invalid_credentials
	Message     string // top-level message, or a trimmed plain-text body
	Description string // e.g. "Validation failed"
	Errors      []FieldError
	RetryAfter  time.Duration // 429 (and budget exhaustion): how long to wait
	Local       bool          // refused by the local rate budget: nothing was sent
	Err         error         // transport cause (sanitised); Unwrap returns it
}

// Error reads as one line an operator can act on: the call, the status and what Freshservice said.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("freshservice: ")
	if e.Method != "" || e.Endpoint != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	switch {
	case e.Local:
		b.WriteString("rate budget exhausted, nothing sent")
	case e.Status == 0:
		b.WriteString("no answer")
	default:
		b.WriteString(strconv.Itoa(e.Status))
		if text := http.StatusText(e.Status); text != "" {
			b.WriteByte(' ')
			b.WriteString(text)
		}
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Code != "" || e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
		if e.Code != "" && e.Message != "" {
			b.WriteByte(' ')
		}
		b.WriteString(e.Message)
	}
	for i, fe := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if fe.Field != "" {
			b.WriteString(fe.Field)
			b.WriteString(": ")
		}
		b.WriteString(fe.Message)
		if fe.Code != "" {
			b.WriteString(" (")
			b.WriteString(fe.Code)
			b.WriteByte(')')
		}
	}
	if e.RetryAfter > 0 {
		b.WriteString(", retry after ")
		b.WriteString(e.RetryAfter.Round(time.Millisecond).String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the transport cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *Error) Unwrap() error { return e.Err }

// HasCode reports whether the answer carries code at the top level or on any field.
func (e *Error) HasCode(code string) bool {
	if e.Code == code {
		return true
	}
	for _, fe := range e.Errors {
		if fe.Code == code {
			return true
		}
	}
	return false
}

func asError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e, true
	}
	return nil, false
}

// IsDuplicate reports a 400 or 409 whose answer carries code duplicate_value (Freshservice uses both
// statuses for a value, such as an email, that another record holds).
func IsDuplicate(err error) bool {
	e, ok := asError(err)
	return ok && (e.Status == http.StatusBadRequest || e.Status == http.StatusConflict) && e.HasCode(CodeDuplicateValue)
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool {
	return hasStatus(err, http.StatusNotFound)
}

// IsRateLimited reports a 429 from Freshservice or a refusal by the local rate budget.
func IsRateLimited(err error) bool {
	return hasStatus(err, http.StatusTooManyRequests)
}

// IsUnauthorized reports a 401: the key is wrong, revoked or belongs to another account.
func IsUnauthorized(err error) bool {
	return hasStatus(err, http.StatusUnauthorized)
}

// IsForbidden reports a 403: the key works but its agent lacks the rights.
func IsForbidden(err error) bool {
	return hasStatus(err, http.StatusForbidden)
}

// IsValidation reports a 400 that is not a duplicate.
func IsValidation(err error) bool {
	e, ok := asError(err)
	return ok && e.Status == http.StatusBadRequest && !e.HasCode(CodeDuplicateValue)
}

// hasStatus reports an *Error with the given status.
func hasStatus(err error, status int) bool {
	e, ok := asError(err)
	return ok && e.Status == status
}

// IsUnavailable reports a 5xx, a timeout or a connection error: Freshservice could not answer.
func IsUnavailable(err error) bool {
	e, ok := asError(err)
	return ok && !e.Local && (e.Status == 0 || e.Status >= 500)
}

// RetryAfter is how long the error says to wait before trying again; 0 when it says nothing.
func RetryAfter(err error) time.Duration {
	if e, ok := asError(err); ok {
		return e.RetryAfter
	}
	return 0
}
