package scimfilter

import (
	"errors"
	"strings"
	"testing"
)

// FuzzFilter checks, for any input, that parsing neither panics nor misreads: an error is an *Error,
// a parsed filter writes back as text that reads as the same tree, and a compiled one evaluates on
// any resource, with not(f) the negation of f.
func FuzzFilter(f *testing.F) {
	for _, seed := range []string{
		`userName eq "bjensen@example.com"`,
		`emails[type eq "work"].value eq "x@example.com"`,
		`id eq "21000000042" and manager eq "21000000007"`,
		`userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"`,
		`active eq "True"`,
		`logins ge -1.5e3`,
		`displayName eq "a \"quoted\" \\ name\u00e9"`,
		`((((a pr))))`,
		`emails[not (type eq "work")]`,
		`name.givenName eq null or name pr`,
		`emails[type eq "work" or type eq "home"].value eq "x"`,
		`userName eq "a" or or b eq "c"`,
		"userName eq \"\xff\"",
	} {
		f.Add(seed)
	}
	c := testCatalog()
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := Parse(raw)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Parse(%q) error %T is not an *Error", raw, err)
			}
			return
		}
		text := e.String()
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) gave %q, which does not read back: %v", raw, text, err)
		}
		if again.String() != text {
			t.Fatalf("Parse(%q) gave %q, which reads back as %q", raw, text, again.String())
		}
		compiled, err := c.CompileExpr(e)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Compile(%q) error %T is not an *Error", raw, err)
			}
			return
		}
		negated, err := c.Compile("not (" + text + ")")
		if err != nil {
			if strings.Contains(err.Error(), "nested deeper") || strings.Contains(err.Error(), "longer than") {
				return
			}
			t.Fatalf("not (%s) does not compile: %v", text, err)
		}
		for _, r := range []Resource{barbara, res{}} {
			if compiled.Matches(r) == negated.Matches(r) {
				t.Fatalf("%s and its negation agree on a resource", text)
			}
		}
		for slot := range slotLogins + 1 {
			for sub := -1; sub < 3; sub++ {
				compiled.EqualValues(slot, sub)
			}
		}
	})
}
