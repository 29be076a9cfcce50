package freshservicetest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// emailIndex maps every address a user holds, primary or secondary, to that user's id. Freshservice
// keeps addresses unique across requesters and agents, deactivated ones included, and compares them
// ignoring case; the index lets a create or update check that without reading every user.
type emailIndex map[string]int64

// add records u's addresses.
func (x emailIndex) add(u *userRecord) {
	if u.email != "" {
		x[foldEmail(u.email)] = u.id
	}
	for _, se := range u.secondaryEmails {
		x[foldEmail(se)] = u.id
	}
}

// remove forgets u's addresses, leaving any that another user holds.
func (x emailIndex) remove(u *userRecord) {
	for _, addr := range append([]string{u.email}, u.secondaryEmails...) {
		k := foldEmail(addr)
		if id, ok := x[k]; ok && id == u.id {
			delete(x, k)
		}
	}
}

// foldEmail is the key an address is indexed under: two addresses get the same key exactly when
// strings.EqualFold holds for them. Each rune becomes the smallest rune of its case-folding orbit
// (the set EqualFold treats as equal), so "K", "k" and the Kelvin sign share a key.
func foldEmail(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// The smallest rune of an ASCII letter's orbit is its upper case.
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(smallestFold(r))
	}
	return b.String()
}

// smallestFold returns the smallest rune among r and the runes unicode.SimpleFold cycles through
// from it.
func smallestFold(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
