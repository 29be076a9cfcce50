package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// session is one sign-in, held in memory only: a restart signs everyone out.
type session struct {
	identity Identity // the tenant's; empty for the console's operator
	csrf     string   // the form token of every POST made within the session
	expires  time.Time
}

// sessions is one area's sign-ins (/app or /console), by the random id in its cookie.
type sessions struct {
	cookie string
	path   string
	ttl    time.Duration
	now    func() time.Time
	mu     sync.Mutex
	byID   *lru.Cache[string, *session]
}

func newSessions(cookie, path string, ttl time.Duration, max int, now func() time.Time) *sessions {
	c, _ := lru.New[string, *session](max)
	return &sessions{cookie: cookie, path: path, ttl: ttl, now: now, byID: c}
}

// start makes a session and sets its cookie.
func (ss *sessions) start(w http.ResponseWriter, id Identity) {
	sid, csrf := randomToken(), randomToken()
	expires := ss.now().Add(ss.ttl)
	ss.mu.Lock()
	ss.byID.Add(sid, &session{identity: id, csrf: csrf, expires: expires})
	ss.mu.Unlock()
	http.SetCookie(w, ss.newCookie(ss.cookie, sid, int(ss.ttl/time.Second)))
}

// get returns the request's live session.
func (ss *sessions) get(r *http.Request) (*session, string, bool) {
	c, err := r.Cookie(ss.cookie)
	if err != nil || c.Value == "" {
		return nil, "", false
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess, ok := ss.byID.Get(c.Value)
	if !ok {
		return nil, "", false
	}
	if !ss.now().Before(sess.expires) {
		ss.byID.Remove(c.Value)
		return nil, "", false
	}
	return sess, c.Value, true
}

// end forgets the request's session and clears its cookie.
func (ss *sessions) end(w http.ResponseWriter, sid string) {
	ss.mu.Lock()
	ss.byID.Remove(sid)
	ss.mu.Unlock()
	http.SetCookie(w, ss.newCookie(ss.cookie, "", -1))
}

// The cookies are HttpOnly (no script reads them), Secure (sent over HTTPS only; browsers allow
// them on http://localhost for tests) and SameSite=Strict (no other site's page sends them).
func (ss *sessions) newCookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: ss.path, MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode}
}

// csrfCookie names the double-submit token of the forms posted before a session exists (sign-in,
// enrollment): a page sets it and writes the same value into its form; a POST must carry both.
func (ss *sessions) csrfCookie() string { return ss.cookie + "_csrf" }

// formToken returns the request's double-submit token, setting a new one when it has none.
func (ss *sessions) formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(ss.csrfCookie()); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := randomToken()
	http.SetCookie(w, ss.newCookie(ss.csrfCookie(), tok, int(ss.ttl/time.Second)))
	return tok
}

// formTokenOK checks a POST made before sign-in: the form's token equals the cookie's.
func (ss *sessions) formTokenOK(r *http.Request) bool {
	c, err := r.Cookie(ss.csrfCookie())
	return err == nil && len(c.Value) >= 32 && sameToken(c.Value, r.PostFormValue("csrf"))
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
