package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// LinkPrefix starts every sealed enrollment link of this format version. It differs from TokenPrefix,
// and links are sealed with their own associated data, so a link never opens as a token or back.
const LinkPrefix = "fse1."

var linkAAD = []byte(LinkPrefix)

// maxLinkLen bounds the work an oversized link path can cause.
const maxLinkLen = 1024

// ErrInvalidLink is what OpenLink returns for a link it cannot open: forged, altered, or sealed with a
// key the ring no longer holds.
var ErrInvalidLink = errors.New("invalid enrollment link")

// EnrollLink is what a one-time enrollment link carries: the tenant it enrolls, when it stops
// working, a random id that marks it used, and the public address fsscim answers Entra at (the
// Tenant URL shown at the end is PublicURL + "/scim/v2").
type EnrollLink struct {
	ID        string
	Domain    string
	Expires   time.Time
	PublicURL string
}

type linkBody struct {
	ID        string `json:"i"`
	Domain    string `json:"d"`
	Expires   int64  `json:"e"`
	PublicURL string `json:"u"`
}

// NewEnrollLink makes a link for domain that expires after ttl, with a fresh random id.
func NewEnrollLink(domain, publicURL string, now time.Time, ttl time.Duration) (EnrollLink, error) {
	if ttl <= 0 {
		return EnrollLink{}, errors.New("enrollment link: the time to live must be positive")
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return EnrollLink{}, fmt.Errorf("enrollment link: the public URL %q is not an http(s) address such as https://scim.example.com", publicURL)
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return EnrollLink{}, fmt.Errorf("enrollment link: id: %w", err)
	}
	return EnrollLink{
		ID:        base64.RawURLEncoding.EncodeToString(id),
		Domain:    strings.ToLower(strings.TrimSpace(domain)),
		Expires:   now.Add(ttl).UTC().Truncate(time.Second),
		PublicURL: strings.TrimRight(publicURL, "/"),
	}, nil
}

// SealLink seals l with the ring's first key.
func (k *Keyring) SealLink(l EnrollLink) (string, error) {
	if k == nil || len(k.aeads) == 0 {
		return "", errors.New("seal enrollment link: no token key")
	}
	if l.ID == "" || l.Domain == "" || l.PublicURL == "" || l.Expires.Unix() <= 0 {
		return "", errors.New("seal enrollment link: id, domain, public URL and expiry are required")
	}
	sealed, err := k.sealJSON(linkBody{ID: l.ID, Domain: l.Domain, Expires: l.Expires.Unix(), PublicURL: l.PublicURL}, linkAAD, LinkPrefix)
	if err != nil {
		return "", fmt.Errorf("seal enrollment link: %w", err)
	}
	if len(sealed) > maxLinkLen {
		return "", fmt.Errorf("seal enrollment link: too long (%d bytes, at most %d)", len(sealed), maxLinkLen)
	}
	return sealed, nil
}

// OpenLink opens a sealed link with any key of the ring. It does not judge the expiry: the caller
// tells an expired link from a forged one. Any failure is ErrInvalidLink.
func (k *Keyring) OpenLink(sealed string) (EnrollLink, error) {
	var b linkBody
	if !k.openJSON(sealed, LinkPrefix, maxLinkLen, linkAAD, &b) || b.ID == "" || b.Domain == "" || b.PublicURL == "" || b.Expires <= 0 {
		return EnrollLink{}, ErrInvalidLink
	}
	return EnrollLink{ID: b.ID, Domain: b.Domain, Expires: time.Unix(b.Expires, 0).UTC(), PublicURL: b.PublicURL}, nil
}
