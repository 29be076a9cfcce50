package web

import (
	"net/http"
)

func (s *Server) appRoutes() http.Handler {
	mux := s.areaRoutes(s.appDoor(), s.appHome, "fsscim's pages are at /app.")
	mux.HandleFunc("GET /app/enroll/{link}", s.enrollForm)
	mux.HandleFunc("POST /app/enroll/{link}", s.enrollSubmit)
	return mux
}

// appDoor signs a tenant's admin in with the bearer token of the tenant's Entra provisioning app.
func (s *Server) appDoor() signInDoor {
	return signInDoor{area: "app", home: "/app", title: "Sign in", label: "Secret Token",
		help:     "The Secret Token of your Entra provisioning app (it starts with fss1.). It signs you in to this tenant's page only.",
		missing:  "Paste the Secret Token of your Entra provisioning app.",
		sessions: s.app, check: s.d.SignIn}
}

func (s *Server) appHome(w http.ResponseWriter, r *http.Request) {
	sess, _, ok := s.app.get(r)
	if !ok {
		s.signInForm(s.appDoor(), w, r, http.StatusOK, "")
		return
	}
	t, found := s.d.Tenants.Status(r.Context(), sess.identity.Domain)
	if !found {
		s.pages.message(w, http.StatusNotFound, "app", "Tenant not served",
			"This fsscim server no longer serves "+sess.identity.Domain+". Ask its administrator.")
		return
	}
	v := s.tenantView(r.Context(), r, t, "/app")
	v.Page = Page{Title: t.Domain, Area: "app", CSRF: sess.csrf, SignedIn: true}
	s.pages.render(w, http.StatusOK, "tenant", v)
}
