package web

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/fsscim/fsscim/proxy/status"
)

// consoleView is the operator's table of every tenant.
type consoleView struct {
	Page
	Rows []consoleRow
}

type consoleRow struct {
	T      status.Tenant
	Link   string
	State  string
	OK     bool
	Spark  sparkline
	Totals dayTotals
}

func (s *Server) consoleRoutes() http.Handler {
	mux := s.areaRoutes(s.consoleDoor(), s.consoleHome, "The console is at /console.")
	mux.HandleFunc("GET /console/tenants/{domain}", s.consoleTenant)
	return mux
}

// consoleDoor signs the operator in with the admin token.
func (s *Server) consoleDoor() signInDoor {
	return signInDoor{area: "console", home: "/console", title: "Operator console", label: "Admin token",
		help:     "The token in the file given to fsscim serve --admin-token-file.",
		missing:  "Sign-in refused: paste the admin token",
		sessions: s.console,
		check: func(r *http.Request, token string) (Identity, error) {
			return Identity{}, s.d.AdminSignIn(r, token)
		}}
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) {
	sess, _, ok := s.console.get(r)
	if !ok {
		s.signInForm(s.consoleDoor(), w, r, http.StatusOK, "")
		return
	}
	all := s.d.Tenants.Statuses(r.Context())
	sort.Slice(all, func(i, j int) bool { return all[i].Domain < all[j].Domain })
	v := consoleView{Page: Page{Title: "Operator console", Area: "console", CSRF: sess.csrf, SignedIn: true}}
	for _, t := range all {
		state, ok := tenantState(t)
		v.Rows = append(v.Rows, consoleRow{T: t, Link: "/console/tenants/" + url.PathEscape(t.Domain),
			State: state, OK: ok, Spark: newSparkline(t.Activity), Totals: totals(t.Activity)})
	}
	s.pages.render(w, http.StatusOK, "console", v)
}

func (s *Server) consoleTenant(w http.ResponseWriter, r *http.Request) {
	sess, _, ok := s.console.get(r)
	if !ok {
		http.Redirect(w, r, "/console", http.StatusSeeOther)
		return
	}
	domain := r.PathValue("domain")
	t, found := s.d.Tenants.Status(r.Context(), domain)
	if !found {
		s.pages.message(w, http.StatusNotFound, "console", "No such tenant", "fsscim serves no tenant "+domain+".")
		return
	}
	v := s.tenantView(r.Context(), r, t, "/console/tenants/"+url.PathEscape(t.Domain))
	v.Page = Page{Title: t.Domain, Area: "console", CSRF: sess.csrf, SignedIn: true}
	v.Back = "/console"
	s.pages.render(w, http.StatusOK, "tenant", v)
}

// tenantState is the console's one-line state of a tenant, and whether it is healthy.
func tenantState(t status.Tenant) (string, bool) {
	switch {
	case t.FileState == status.FileRejected:
		return "tenant file refused", false
	case t.Key == status.KeyRejected:
		return "API key refused", false
	case t.Key == status.KeyNotAdmin:
		return "key not an account admin's", false
	case !t.Up:
		return "down", false
	case t.FileState == status.FileLastGood:
		return "serving (last good file kept)", false
	case t.Directory.Stale:
		return "serving (directory stale)", false
	case t.Key == status.KeyUnchecked:
		return "waiting for Entra's first request", true
	}
	return "serving", true
}
