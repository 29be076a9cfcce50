package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision"
	"github.com/fsscim/fsscim/proxy/provision/names"
	"github.com/fsscim/fsscim/store"
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
	detailUnavailable          = "Freshservice did not answer in time or failed (HTTP 5xx, timeout or connection error) before fsscim sent it any change; nothing was changed. Retry later."
	detailUnavailableApplied   = "Freshservice did not answer in time or failed (HTTP 5xx, timeout or connection error) after fsscim sent it a change: the change may have been applied. Retrying the same request is safe; fsscim finds what landed."
	detailInternal             = "fsscim failed to process the request; its log has the details under this request id: "
	detailMayBeApplied         = " A change was sent to Freshservice before the failure and may have been applied; retrying the same request is safe."
	detailStoreUnusable        = "fsscim cannot record this change: its data store is unusable (its administrator sees why in /readyz and in fsscim's log)."
	detailStoreDamaged         = "fsscim's data store is damaged and its administrator must move it aside or restore it."
	detailRecordsAway          = "fsscim cannot reach the records its replicas share (Redis is unusable, or is being refilled after it lost them), and this replica does not hold those this request needs."
	detailNothingWritten       = " Nothing was written to Freshservice; retry later."
)

// Retry-After of fsscim's own unavailability: records shared through Redis come back within seconds
// of Redis; a store that refuses writes or is damaged needs its administrator.
const (
	recordsAwayRetryAfter = 10 * time.Second
	storeRetryAfter       = time.Minute
)

// scimError is a convenience constructor for a SCIM error value (the library only understands values).
func scimError(status int, scimType scimerrors.ScimType, format string, args ...any) scimerrors.ScimError {
	return scimerrors.ScimError{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// fail answers a route's error as the SCIM error it calls for, with Retry-After where the client
// should wait.
func fail(c echo.Context, err error) error {
	se, retryAfter := requestScope(c.Request()).classify(err)
	writeSCIMError(c.Response(), se, retryAfter)
	return nil
}

// classify maps an error to its SCIM answer, logging upstream detail: fsscim's own refusals as they
// are, Freshservice's errors by their kind (never with Freshservice's text), time-outs as 503, and
// anything else as a 500 that names the request id.
func (s *scope) classify(err error) (scimerrors.ScimError, time.Duration) {
	var pe *provision.PartialError
	if errors.As(err, &pe) {
		se, retryAfter := s.classify(pe.Cause)
		if pe.Reason != "" {
			se.Detail = pe.Reason
		}
		se.Detail = fmt.Sprintf("%s: %s %s", pe.What, se.Detail, pe.Outcome)
		return se, retryAfter
	}
	if se, retryAfter, ok := s.classifyStore(err); ok {
		return se, retryAfter
	}
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
			return scimError(http.StatusServiceUnavailable, "", "%s", s.unavailable()), unavailableRetryAfter
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		s.log.Warn("request ran out of time", zap.Error(err))
		return scimError(http.StatusServiceUnavailable, "", "%s", s.unavailable()), unavailableRetryAfter
	}
	s.log.Error("request failed", zap.Error(err))
	detail := detailInternal + s.requestID + "."
	if s.wrote() {
		detail += detailMayBeApplied
	}
	return scimError(http.StatusInternalServerError, "", "%s", detail), 0
}

// classifyStore answers a failure of fsscim's own store: a refusal before any write, a damaged store,
// or records shared through Redis that are out of reach. ok is false for any other error.
func (s *scope) classifyStore(err error) (se scimerrors.ScimError, retryAfter time.Duration, ok bool) {
	var unusable *provision.StoreUnusable
	outcome := detailNothingWritten
	if s.wrote() {
		outcome = detailMayBeApplied
	}
	switch {
	case errors.Is(err, store.ErrDamaged):
		s.log.Error("the data store is damaged", zap.Error(err))
		return scimError(http.StatusServiceUnavailable, "", "%s%s", detailStoreDamaged, outcome), storeRetryAfter, true
	case errors.As(err, &unusable):
		s.log.Error("write refused: the data store is unusable", zap.Error(err))
		return scimError(http.StatusServiceUnavailable, "", "%s%s", detailStoreUnusable, outcome), storeRetryAfter, true
	case errors.Is(err, store.ErrIncomplete):
		s.log.Warn("records shared through Redis are out of reach", zap.Error(err))
		return scimError(http.StatusServiceUnavailable, "", "%s%s", detailRecordsAway, outcome), recordsAwayRetryAfter, true
	}
	return scimerrors.ScimError{}, 0, false
}

// wrote reports whether the request sent Freshservice a change (whatever the answer).
func (s *scope) wrote() bool { return s.tally != nil && s.tally.Writes() > 0 }

// unavailable is the detail of a 503 for Freshservice's failure: whether a change may have landed.
func (s *scope) unavailable() string {
	if s.wrote() {
		return detailUnavailableApplied
	}
	return detailUnavailable
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
