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

// signInDoor is what sets the two sign-ins apart: /app takes a tenant's bearer token, /console the
// admin token; the form, its limits and the answers to a refusal are the same.
type signInDoor struct {
	area, home, title string
	label, help       string
	missing           string // the problem shown for an empty or oversized token
	sessions          *sessions
	check             func(r *http.Request, token string) (Identity, error)
}

const maxTokenInput = 4096

// areaRoutes are the routes every signed-in area has under its home: assets, the home page (the
// sign-in form until signed in), sign-in, sign-out, and a page for any other path.
func (s *Server) areaRoutes(d signInDoor, home http.HandlerFunc, notFound string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET "+d.home+"/assets/", http.StripPrefix(d.home+"/assets", assets()))
	mux.HandleFunc("GET "+d.home, home)
	mux.HandleFunc("GET "+d.home+"/{$}", home)
	mux.HandleFunc("POST "+d.home+"/signin", s.signIn(d))
	mux.HandleFunc("POST "+d.home+"/signout", signOut(d))
	mux.HandleFunc(d.home+"/", func(w http.ResponseWriter, r *http.Request) {
		s.pages.message(w, http.StatusNotFound, d.area, "No such page", notFound)
	})
	return mux
}

func (s *Server) signInForm(d signInDoor, w http.ResponseWriter, r *http.Request, code int, problem string) {
	s.pages.render(w, code, "signin", signInView{
		Page:   Page{Title: d.title, Area: d.area, CSRF: d.sessions.formToken(w, r)},
		Action: d.home + "/signin", Label: d.label, Help: d.help, Problem: problem})
}

// signIn starts a session for a token the door's check accepts and sends the browser home.
func (s *Server) signIn(d signInDoor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if !d.sessions.formTokenOK(r) {
			s.signInForm(d, w, r, http.StatusForbidden, "The form expired. Paste the token again and sign in.")
			return
		}
		token := strings.TrimSpace(r.PostFormValue("token"))
		if token == "" || len(token) > maxTokenInput {
			s.signInForm(d, w, r, http.StatusUnauthorized, d.missing)
			return
		}
		id, err := d.check(r, token)
		switch {
		case errors.Is(err, ErrSlowDown):
			s.signInForm(d, w, r, http.StatusTooManyRequests, ErrSlowDown.Error())
			return
		case errors.Is(err, ErrNotReady):
			s.signInForm(d, w, r, http.StatusServiceUnavailable, ErrNotReady.Error())
			return
		case err != nil:
			s.signInForm(d, w, r, http.StatusUnauthorized, "Sign-in refused: "+err.Error())
			return
		}
		d.sessions.start(w, id)
		http.Redirect(w, r, d.home, http.StatusSeeOther)
	}
}

// signOut ends the session when the form carries its token; the page it lands on is the sign-in.
func signOut(d signInDoor) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		if sess, sid, ok := d.sessions.get(r); ok && sameToken(sess.csrf, r.PostFormValue("csrf")) {
			d.sessions.end(w, sid)
		}
		http.Redirect(w, r, d.home, http.StatusSeeOther)
	}
}
