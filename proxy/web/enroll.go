package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/audit"
)

// verifyTimeout bounds the enrollment's check of the key with Freshservice.
const verifyTimeout = 30 * time.Second

// enrollView is the enrollment form (the API key in).
type enrollView struct {
	Page
	Domain  string
	Action  string
	Expires time.Time
	Problem string
}

// enrolledView is the enrollment's result (the Tenant URL and the Secret Token out), shown once.
type enrolledView struct {
	Page
	Domain    string
	TenantURL string
	Token     string
	Owner     string
}

// openLink opens the request's enrollment link and finds its tenant, or answers the refusal page.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) (config.EnrollLink, *config.Tenant, bool) {
	refuse := func(code int, heading, text string) (config.EnrollLink, *config.Tenant, bool) {
		s.pages.message(w, code, "app", heading, text)
		return config.EnrollLink{}, nil, false
	}
	if s.d.Keys == nil || s.d.Links == nil || s.d.TenantSet == nil || s.d.VerifyKey == nil {
		return refuse(http.StatusNotFound, "Enrollment is not offered", "This fsscim server does not enroll tenants through its pages.")
	}
	link, err := s.d.Keys.OpenLink(r.PathValue("link"))
	if err != nil {
		return refuse(http.StatusBadRequest, "This enrollment link is not valid",
			"The link is incomplete or was altered. Copy the whole link from the message your fsscim administrator sent, or ask for a new one.")
	}
	if !s.d.Now().Before(link.Expires) {
		return refuse(http.StatusGone, "This enrollment link has expired",
			"It expired on "+when(link.Expires)+". Ask your fsscim administrator for a new link.")
	}
	used, err := s.d.Links.LinkUsed(r.Context(), link.ID)
	if err != nil {
		s.d.Log.Error("enrollment link: cannot read whether it was used", zap.Error(err))
		return refuse(http.StatusServiceUnavailable, "Try again in a moment", "fsscim cannot read its store just now.")
	}
	if used {
		return refuse(http.StatusGone, "This enrollment link was used already",
			"Each link works once, and this one gave out its Secret Token. If you did not keep the token, ask your fsscim administrator for a new link.")
	}
	var t *config.Tenant
	if set := s.d.TenantSet(); set != nil {
		t, _ = set.Lookup(link.Domain)
	}
	if t == nil {
		return refuse(http.StatusNotFound, "This tenant is not served yet",
			"fsscim has no tenant file for "+link.Domain+". Ask your fsscim administrator to add it, then open the link again.")
	}
	return link, t, true
}

func (s *Server) enrollForm(w http.ResponseWriter, r *http.Request) {
	link, _, ok := s.openLink(w, r)
	if !ok {
		return
	}
	s.renderEnrollForm(w, r, link, http.StatusOK, "")
}

func (s *Server) renderEnrollForm(w http.ResponseWriter, r *http.Request, link config.EnrollLink, code int, problem string) {
	s.pages.render(w, code, "enroll", enrollView{
		Page:   Page{Title: "Connect " + link.Domain, Area: "app", CSRF: s.app.formToken(w, r)},
		Domain: link.Domain, Action: r.URL.Path, Expires: link.Expires, Problem: problem})
}

func (s *Server) enrollSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	link, t, ok := s.openLink(w, r)
	if !ok {
		return
	}
	if !s.app.formTokenOK(r) {
		s.renderEnrollForm(w, r, link, http.StatusForbidden, "The form expired. Paste the API key again.")
		return
	}
	apiKey := strings.TrimSpace(r.PostFormValue("api_key"))
	if apiKey == "" || len(apiKey) > 512 {
		s.renderEnrollForm(w, r, link, http.StatusUnprocessableEntity, "Paste your Freshservice API key.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), verifyTimeout)
	defer cancel()
	access, err := s.d.VerifyKey(ctx, t, apiKey)
	if problem := keyProblem(t, access, err); problem != "" {
		s.d.Log.Info("enrollment: key refused", zap.String("tenant", t.Domain), zap.String("reason", problem))
		s.renderEnrollForm(w, r, link, http.StatusUnprocessableEntity, problem)
		return
	}
	// The link is marked used before the token exists, so that of two submissions only one gets it.
	claimed, err := s.d.Links.ClaimLink(r.Context(), link.ID, link.Expires)
	if err != nil {
		s.d.Log.Error("enrollment link: cannot mark it used", zap.Error(err))
		s.pages.message(w, http.StatusServiceUnavailable, "app", "Try again in a moment", "fsscim cannot write its store just now.")
		return
	}
	if !claimed {
		s.pages.message(w, http.StatusGone, "app", "This enrollment link was used already",
			"Each link works once. Ask your fsscim administrator for a new link.")
		return
	}
	now := s.d.Now()
	token, err := s.d.Keys.Seal(t.Domain, apiKey, now)
	if err != nil {
		s.d.Log.Error("enrollment: cannot seal the token", zap.String("tenant", t.Domain), zap.Error(err))
		s.pages.message(w, http.StatusInternalServerError, "app", "The token could not be made",
			"Ask your fsscim administrator for a new link.")
		return
	}
	owner := access.OwnerName()
	if s.d.Audit != nil {
		e := audit.Entry{At: now, Tenant: t.Domain, Operation: audit.Enroll, Method: r.Method, Path: "/app/enroll",
			Kind: "user", ID: access.Owner.ID, Email: access.Owner.Mail(), Name: owner, Status: http.StatusOK}
		if err := s.d.Audit.Append(r.Context(), e); err != nil {
			s.d.Log.Error("enrollment: cannot append to the audit trail", zap.String("tenant", t.Domain), zap.Error(err))
		}
	}
	s.d.Log.Info("tenant enrolled through its link", zap.String("tenant", t.Domain), zap.String("link_id", link.ID), zap.String("key_owner", owner))
	s.pages.render(w, http.StatusOK, "enrolled", enrolledView{
		Page:   Page{Title: "Connected " + t.Domain, Area: "app"},
		Domain: t.Domain, TenantURL: link.PublicURL + "/scim/v2", Token: token, Owner: owner})
}

// keyProblem says what is wrong with the key, for the customer: empty when it works and is an
// account admin's.
func keyProblem(t *config.Tenant, access freshservice.KeyAccess, err error) string {
	switch {
	case freshservice.IsUnauthorized(err):
		return fmt.Sprintf("Freshservice refuses this API key (401). Copy it again from Profile settings > API key in %s, signed in as an account admin.", t.Domain)
	case freshservice.IsNotFound(err):
		return fmt.Sprintf("Freshservice at %s answers 404. Ask your fsscim administrator to check the tenant's domain.", t.Domain)
	case freshservice.IsRateLimited(err):
		return "Freshservice is limiting this account's API calls just now. Try again in a minute."
	case err != nil:
		return "fsscim could not check the key with Freshservice just now (no answer, or an error on its side). Try again in a minute."
	case !access.AccountAdmin:
		return fmt.Sprintf("Freshservice accepts this key, but its owner %s is not an account admin. fsscim needs an account admin's key to manage agents and groups: use the key of an agent with the Account Admin role.", access.OwnerName())
	}
	return ""
}
