package mappingtest

import (
	"reflect"
	"testing"

	"github.com/fsscim/fsscim/mapping"
)

// UserReadCase is a POST or PUT body and the user UserFromAttributes makes of it.
type UserReadCase struct {
	Name string
	Body string
	Want mapping.User
	Set  []mapping.Field // must be in the set
	Not  []mapping.Field // must not be
}

// CheckRead checks what UserFromAttributes made of the case: no error, the user, and the fields
// set and not set.
func (c UserReadCase) CheckRead(tb testing.TB, u mapping.User, set mapping.FieldSet, err error) {
	tb.Helper()
	checkUser(tb, "UserFromAttributes", err, u, c.Want)
	for _, f := range c.Set {
		if !set.Has(f) {
			tb.Errorf("set %b lacks %b", set, f)
		}
	}
	for _, f := range c.Not {
		if set.Has(f) {
			tb.Errorf("set %b has %b", set, f)
		}
	}
}

// checkUser checks that call (named in the message) succeeded and made want.
func checkUser(tb testing.TB, call string, err error, got, want mapping.User) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", call, err)
	}
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("user\n got %+v\nwant %+v", got, want)
	}
}
