package config

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// MinAdminTokenLength is the shortest admin token accepted: long enough that guessing is hopeless
// (fsscim token new-key prints 44 characters).
const MinAdminTokenLength = 32

// AdminToken is the secret the admin listener's operator endpoints ask for, as
// "Authorization: Bearer <token>". Only its digest is kept.
type AdminToken struct {
	digest [sha256.Size]byte
}

// LoadAdminTokenFile reads the admin token from a file: one line, '#' starting a comment, surrounding
// white space ignored. The file follows the rules of the token keys file: others must not read it and
// only its owner may change it.
func LoadAdminTokenFile(path string) (*AdminToken, error) {
	secret, err := ReadAdminTokenFile(path)
	if err != nil {
		return nil, err
	}
	return newAdminToken(secret), nil
}

// ReadAdminTokenFile reads the admin token itself from a file, under the rules of LoadAdminTokenFile,
// for a client of the admin listener (fsscim status) to send.
func ReadAdminTokenFile(path string) (string, error) {
	data, err := ReadSecretFile("admin token file", path)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		if cut := strings.IndexByte(line, '#'); cut >= 0 {
			line = line[:cut]
		}
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	const makeOne = "make one with: fsscim token new-key > admin-token && chmod 600 admin-token"
	switch {
	case len(lines) == 0:
		return "", fmt.Errorf("admin token file %s holds no token; %s", path, makeOne)
	case len(lines) > 1:
		return "", fmt.Errorf("admin token file %s holds %d lines; keep only the token on one line", path, len(lines))
	case len(lines[0]) < MinAdminTokenLength:
		return "", fmt.Errorf("admin token in %s is %d characters long, need at least %d; %s",
			path, len(lines[0]), MinAdminTokenLength, makeOne)
	case strings.ContainsAny(lines[0], " \t"):
		return "", fmt.Errorf("admin token in %s holds white space; keep only the token on its line", path)
	}
	return lines[0], nil
}

func newAdminToken(secret string) *AdminToken {
	return &AdminToken{digest: sha256.Sum256([]byte(secret))}
}

// errNoBearer is what Check says when the request carries no bearer credential at all.
var errNoBearer = errors.New("no admin token: send Authorization: Bearer <admin token>")

// Check reports nil when r carries the admin token as a bearer credential. The comparison takes the
// same time however much of a guess matches: both sides are hashed and compared in constant time. A
// nil AdminToken (none configured) refuses every request.
func (t *AdminToken) Check(r *http.Request) error {
	scheme, presented, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(presented) == "" {
		return errNoBearer
	}
	if t == nil {
		return errors.New("no admin token is configured; start fsscim with --admin-token-file")
	}
	digest := sha256.Sum256([]byte(strings.TrimSpace(presented)))
	if subtle.ConstantTimeCompare(digest[:], t.digest[:]) != 1 {
		return errors.New("the admin token does not match")
	}
	return nil
}
