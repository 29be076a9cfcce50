package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/proxy/status"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// pages holds the parsed templates.
type pages struct {
	t   *template.Template
	log *zap.Logger
}

func parsePages(log *zap.Logger) (*pages, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"when":    when,
		"keyText": keyText,
		"keyOK":   func(k status.KeyState) bool { return k == status.KeyWorking },
	}).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse templates: %w", err)
	}
	return &pages{t: t, log: log}, nil
}

// render writes a whole page, or a plain 500 when the template fails, never half a page.
func (p *pages) render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("render page", zap.String("page", name), zap.Error(err))
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// Page is what every page's frame needs.
type Page struct {
	Title string
	// Area is "app" or "console": where the page's style sheet and script are served from.
	Area string
	// CSRF is the form token of the page's POST forms.
	CSRF string
	// SignedIn shows the sign-out button.
	SignedIn bool
}

// message is a page that only says something: a refusal, an expired link.
type message struct {
	Page
	Heading string
	Text    string
	Next    string // a link to go on with, if any
	NextURL string
}

func (p *pages) message(w http.ResponseWriter, code int, area, heading, text string) {
	p.render(w, code, "message", message{Page: Page{Title: heading, Area: area}, Heading: heading, Text: text})
}

// assets serves the style sheet and the copy buttons' script.
func assets() http.Handler {
	sub, _ := fs.Sub(assetFiles, "assets")
	return http.FileServer(http.FS(sub))
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never (since fsscim started)"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func keyText(t status.Tenant) string {
	switch t.Key {
	case status.KeyWorking:
		s := "Freshservice accepts the API key, and its owner is an account admin"
		if t.KeyOwner != "" {
			s += " (" + t.KeyOwner + ")"
		}
		return s + "."
	case status.KeyRejected:
		return "Freshservice refuses the API key (401). Issue a new token with a working key and paste it into Entra's Secret Token field."
	case status.KeyNotAdmin:
		return "Freshservice accepts the API key, but its owner is not an account admin. fsscim needs an account admin's key to manage agents and groups."
	}
	return "Not checked yet: fsscim checks the key with the first request from Entra (Test Connection)."
}
