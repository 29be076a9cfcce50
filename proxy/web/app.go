package web

import (
	"errors"
	"net/http"
	"strings"
)

// signInView is the sign-in form of /app or /console.
type signInView struct {
	Page
	Action  string
	Label   string
	Help    string
	Problem string
}

func (s *Server) appRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /app/assets/", http.StripPrefix("/app/assets", assets()))
	mux.HandleFunc("GET /app", s.appHome)
	mux.HandleFunc("GET /app/{$}", s.appHome)
	mux.HandleFunc("POST /app/signin", s.appSignIn)
	mux.HandleFunc("POST /app/signout", s.appSignOut)
	mux.HandleFunc("GET /app/enroll/{link}", s.enrollForm)
	mux.HandleFunc("POST /app/enroll/{link}", s.enrollSubmit)
	mux.HandleFunc("/app/", func(w http.ResponseWriter, r *http.Request) {
		s.pages.message(w, http.StatusNotFound, "app", "No such page", "fsscim's pages are at /app.")
	})
	return mux
}

const (
	appTokenHelp  = "The Secret Token of your Entra provisioning app (it starts with fss1.). It signs you in to this tenant's page only."
	maxTokenInput = 4096
)

func (s *Server) appSignInForm(w http.ResponseWriter, r *http.Request, code int, problem string) {
	s.pages.render(w, code, "signin", signInView{
		Page:   Page{Title: "Sign in", Area: "app", CSRF: s.app.formToken(w, r)},
		Action: "/app/signin", Label: "Secret Token", Help: appTokenHelp, Problem: problem})
}

func (s *Server) appHome(w http.ResponseWriter, r *http.Request) {
	sess, _, ok := s.app.get(r)
	if !ok {
		s.appSignInForm(w, r, http.StatusOK, "")
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

func (s *Server) appSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !s.app.formTokenOK(r) {
		s.appSignInForm(w, r, http.StatusForbidden, "The form expired. Paste the token again and sign in.")
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" || len(token) > maxTokenInput {
		s.appSignInForm(w, r, http.StatusUnauthorized, "Paste the Secret Token of your Entra provisioning app.")
		return
	}
	id, err := s.d.SignIn(r, token)
	switch {
	case errors.Is(err, ErrSlowDown):
		s.appSignInForm(w, r, http.StatusTooManyRequests, ErrSlowDown.Error())
		return
	case errors.Is(err, ErrNotReady):
		s.appSignInForm(w, r, http.StatusServiceUnavailable, ErrNotReady.Error())
		return
	case err != nil:
		s.appSignInForm(w, r, http.StatusUnauthorized, "Sign-in refused: "+err.Error())
		return
	}
	s.app.start(w, id)
	http.Redirect(w, r, "/app", http.StatusSeeOther)
}

func (s *Server) appSignOut(w http.ResponseWriter, r *http.Request) {
	signOut(s.app, w, r, "/app")
}

// signOut ends the session when the form carries its token; the page it lands on is the sign-in.
func signOut(ss *sessions, w http.ResponseWriter, r *http.Request, home string) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if sess, sid, ok := ss.get(r); ok && sameToken(sess.csrf, r.PostFormValue("csrf")) {
		ss.end(w, sid)
	}
	http.Redirect(w, r, home, http.StatusSeeOther)
}
