package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision/names"
)

// unavailableRetryAfter is what fsscim asks Entra to wait when Freshservice is down or slow; Entra's
// own retry is coarser, but a short hint costs nothing.
const unavailableRetryAfter = 30 * time.Second

// Problems fsscim itself describes to Entra. The texts are fixed so that nothing from an upstream
// error (URLs, keys) can reach the caller; the details go to fsscim's log under the request id.
const (
	detailUnauthorizedUpstream = "Freshservice rejected the API key sealed in this token (HTTP 401). Issue a new token with a valid API key (fsscim token issue) and update the Secret Token in Entra."
	detailForbiddenUpstream    = "The Freshservice API key in this token lacks the rights for this operation (HTTP 403). Use an account admin's API key."
	detailRateLimited          = "Freshservice's API rate limit for this account is spent; retry after the time in Retry-After."
	detailUnavailable          = "Freshservice did not answer in time or failed (HTTP 5xx, timeout or connection error); nothing was confirmed. Retry later."
	detailInternal             = "fsscim failed to process the request; its log has the details under this request id: "
)

// scimError is a convenience constructor for a SCIM error value (the library only understands values).
func scimError(status int, scimType scimerrors.ScimType, format string, args ...any) scimerrors.ScimError {
	return scimerrors.ScimError{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// fail turns any error from a handler into the value the SCIM library can write. What the library
// cannot express (429/503 with Retry-After, or a status it does not allow for the method) is recorded
// in the scope for the response wrapper to send instead.
func (s *scope) fail(method string, err error) error {
	se, retryAfter := s.classify(err)
	if retryAfter > 0 || !statusAllowed(se.Status, method) {
		s.setOverride(override{err: se, retryAfter: retryAfter})
		return scimerrors.ScimErrorInternal
	}
	return se
}

// classify maps an error to the SCIM answer per DESIGN's error table, logging upstream detail.
func (s *scope) classify(err error) (scimerrors.ScimError, time.Duration) {
	var se scimerrors.ScimError
	if errors.As(err, &se) {
		return se, 0
	}
	var pse *scimerrors.ScimError
	if errors.As(err, &pse) && pse != nil {
		return *pse, 0
	}
	var nameErr *names.Error
	if errors.As(err, &nameErr) {
		return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s", nameErr.Error()), 0
	}
	var fe *freshservice.Error
	if errors.As(err, &fe) {
		s.log.Warn("freshservice call failed", zap.Error(fe))
		switch {
		case freshservice.IsRateLimited(fe):
			ra := fe.RetryAfter
			if ra <= 0 {
				ra = time.Minute
			}
			return scimError(http.StatusTooManyRequests, "", detailRateLimited), ra
		case freshservice.IsDuplicate(fe):
			return scimError(http.StatusConflict, scimerrors.ScimTypeUniqueness, "%s", upstreamDetail("a user or group with this value already exists in Freshservice", fe)), 0
		case freshservice.IsUnauthorized(fe):
			return scimError(http.StatusUnauthorized, "", detailUnauthorizedUpstream), 0
		case freshservice.IsForbidden(fe):
			return scimError(http.StatusForbidden, "", detailForbiddenUpstream), 0
		case freshservice.IsNotFound(fe):
			return scimError(http.StatusNotFound, "", "The resource does not exist in Freshservice."), 0
		case freshservice.IsValidation(fe):
			return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s", upstreamDetail("Freshservice refused the values", fe)), 0
		case freshservice.IsUnavailable(fe):
			return scimError(http.StatusServiceUnavailable, "", detailUnavailable), unavailableRetryAfter
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		s.log.Warn("request ran out of time", zap.Error(err))
		return scimError(http.StatusServiceUnavailable, "", detailUnavailable), unavailableRetryAfter
	}
	s.log.Error("request failed", zap.Error(err))
	return scimError(http.StatusInternalServerError, "", "%s%s", detailInternal, s.requestID), 0
}

// upstreamDetail renders Freshservice's field errors (field, message, code): they name what to fix.
// Free text outside them (a top-level message, a status text) is not passed on; it goes to the log
// with the rest of the upstream error. The field texts still pass the log's redaction, since an
// upstream that quotes the request back (its Authorization header) must not hand Entra the key.
func upstreamDetail(prefix string, fe *freshservice.Error) string {
	var parts []string
	for _, e := range fe.Errors {
		p := e.Field
		if e.Message != "" {
			p += ": " + strings.TrimSpace(strings.Trim(e.Message, "[]\" "))
		}
		if e.Code != "" {
			p += " (" + e.Code + ")"
		}
		parts = append(parts, redactString(p))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s (HTTP %d); fsscim's log has Freshservice's answer.", prefix, fe.Status)
	}
	return fmt.Sprintf("%s: %s.", prefix, strings.Join(parts, "; "))
}

// statusAllowed mirrors the SCIM library's table of statuses per method, so that fsscim knows which
// answers it must send itself.
func statusAllowed(status int, method string) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusInternalServerError, http.StatusNotImplemented:
		return true
	case http.StatusConflict:
		return method != http.MethodGet
	case http.StatusPreconditionFailed:
		return method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
	case http.StatusRequestEntityTooLarge:
		return method == http.MethodPost
	}
	return false
}
