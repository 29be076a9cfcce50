package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision"
	"github.com/fsscim/fsscim/proxy/status"
)

// maxCapturedError bounds the part of an error answer kept for the tenant's status: a SCIM error
// body is a few hundred bytes.
const maxCapturedError = 4 << 10

// errorCapture keeps the start of an error answer's body as it is written, so that the tenant's
// status can show the reason the client was given. Successful answers pass through untouched.
type errorCapture struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (w *errorCapture) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *errorCapture) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && len(w.body) < maxCapturedError {
		w.body = append(w.body, p[:min(len(p), maxCapturedError-len(w.body))]...)
	}
	return w.ResponseWriter.Write(p)
}

func (w *errorCapture) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// trackRequest takes an answered SCIM request of a tenant into its status: when it came, what it
// changed in Freshservice, and, when it failed, what and why.
func (s *Server) trackRequest(sc *scope, r *http.Request, statusCode int, answer []byte) {
	if sc.tenant == nil {
		return
	}
	req := status.Request{At: s.opts.Now()}
	if sc.session != nil {
		req.Change = changeOf(sc.session.Wrote())
	}
	if failed(r.Method, statusCode) {
		_, op := sc.op()
		detail, scimType := scimErrorOf(answer)
		req.Failure = &status.Failure{
			At:        req.At,
			Operation: operationText(op, r.Method),
			Path:      r.URL.Path,
			User:      sc.subjectName(),
			Status:    statusCode,
			Reason:    detail,
			Fix:       fixFor(statusCode, scimType),
			RequestID: sc.requestID,
		}
	}
	s.trackers.Of(sc.tenant.Domain()).Request(req)
}

// failed reports whether an answer is a failure the operator should see: any error but a read of
// something that does not exist, which clients ask as a matter of course.
func failed(method string, statusCode int) bool {
	if statusCode == http.StatusNotFound && method == http.MethodGet {
		return false
	}
	return statusCode >= 400
}

func changeOf(w provision.Write) status.Change {
	switch w {
	case provision.WriteCreate:
		return status.ChangeCreate
	case provision.WriteUpdate:
		return status.ChangeUpdate
	case provision.WriteDisable:
		return status.ChangeDisable
	case provision.WriteDelete:
		return status.ChangeDelete
	}
	return status.ChangeNone
}

// scimErrorOf reads the detail and scimType of a SCIM error body; empty when it is none.
func scimErrorOf(body []byte) (detail, scimType string) {
	var e struct {
		Detail   string `json:"detail"`
		ScimType string `json:"scimType"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Detail, e.ScimType
}

// operationText names a route's operation as an operator says it ("create user").
func operationText(op, method string) string {
	resource, verb, ok := strings.Cut(op, ".")
	if !ok {
		if op == "" {
			return strings.ToLower(method) + " request"
		}
		return op
	}
	noun := map[string]string{"users": "user", "groups": "group", "root": "users and groups", "discovery": "discovery document"}[resource]
	if noun == "" {
		noun = resource
	}
	switch verb {
	case "list", "search":
		if resource == "users" || resource == "groups" {
			noun = resource
		}
	case "get":
		verb = "read"
	}
	return verb + " " + noun
}

// fixFor says what to do about a failed request, by its status and SCIM error type; "" when the
// reason says it already or the client retries on its own.
func fixFor(statusCode int, scimType string) string {
	switch {
	case statusCode == http.StatusUnauthorized:
		return "Issue a new token with a working account admin's API key (fsscim token issue) and paste it into the app's Secret Token in Entra."
	case statusCode == http.StatusForbidden:
		return "Use an account admin's API key, or make the change in Freshservice as the answer says."
	case statusCode == http.StatusTooManyRequests:
		return "None needed: the client retries after Retry-After. If it lasts, raise the account's plan or lower other integrations' use of its API."
	case statusCode == http.StatusConflict && scimType == "uniqueness":
		return "Match the user in Entra to the existing one (matching attribute), or set users.reactivate_existing: true to adopt it."
	case statusCode == http.StatusBadRequest:
		return "Correct the value in Entra's attribute mapping or in Freshservice as the reason says."
	case statusCode == http.StatusNotImplemented:
		return "Turn the feature off in the client, or change the tenant file as the reason says."
	case statusCode >= 500:
		return "None needed if it passes: the client retries. If it lasts, check Freshservice's status and fsscim's log under the request id."
	}
	return ""
}

// trackCall takes a Freshservice answer to a tenant's call into its status: a success, an error that
// stops the tenant (no answer, a refused key, a rate limit, a server error), or neither (a lookup of
// a missing user, a refused value: Freshservice worked).
func (s *Server) trackCall(domain string, ci freshservice.CallInfo) {
	switch {
	case ci.Status >= 200 && ci.Status < 300:
		s.trackers.Of(domain).Upstream(s.opts.Now(), true, "")
	case ci.Status == 0, ci.Status == http.StatusUnauthorized, ci.Status == http.StatusForbidden,
		ci.Status == http.StatusTooManyRequests, ci.Status >= 500:
		s.trackers.Of(domain).Upstream(s.opts.Now(), false, callReason(ci))
	}
}

// callReason names a failed call by its method, endpoint template and status: never a URL, a query
// or anything Freshservice said, which could quote the request.
func callReason(ci freshservice.CallInfo) string {
	what := ci.Method + " " + ci.Endpoint + ": "
	if ci.Status == 0 {
		return what + "no answer (timeout or connection error)"
	}
	return what + strconv.Itoa(ci.Status) + " " + http.StatusText(ci.Status)
}
