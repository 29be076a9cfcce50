package mappingtest

import (
	"reflect"
	"strings"
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

// The URNs of the two extensions, as the read cases name them.
const (
	entURN = mapping.SchemaEnterprise
	fsURN  = mapping.SchemaFreshservice
)

// UserReadCases are standard SCIM POST and PUT bodies: mapping reads them as they are, and the
// dialect must hand them on unchanged and read Entra's spelling of their booleans ("True", "false")
// as the same case. Their custom attributes are not a tenant's, so any tenant reads them alike.
func UserReadCases() []UserReadCase {
	return []UserReadCase{
		{
			Name: "minimal body",
			Body: `{"userName":"a@x.com"}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldUserName, mapping.FieldGivenName, mapping.FieldFamilyName},
			Not:  []mapping.Field{mapping.FieldActive, mapping.FieldWorkEmail, mapping.FieldIsAgent, mapping.FieldManager},
		},
		{
			Name: "active as boolean false",
			Body: `{"userName":"a@x.com","active":false}`,
			Want: mapping.User{UserName: "a@x.com", Active: false},
			Set:  []mapping.Field{mapping.FieldActive},
		},
		{
			Name: "active as boolean true",
			Body: `{"userName":"a@x.com","active":true}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldActive},
		},
		{
			Name: "isAgent as the text TRUE",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"isAgent":"TRUE"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, IsAgent: Bool(true), AgentText: "TRUE"},
			Set:  []mapping.Field{mapping.FieldIsAgent},
		},
		{
			Name: "isAgent as False",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"isAgent":"False"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, IsAgent: Bool(false), AgentText: "False"},
			Set:  []mapping.Field{mapping.FieldIsAgent},
		},
		{
			Name: "empty isAgent string is not sent",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"isAgent":""}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Not:  []mapping.Field{mapping.FieldIsAgent},
		},
		{
			Name: "attribute names ignore case",
			Body: `{"USERNAME":"a@x.com","DisplayName":"A B","Name":{"GIVENNAME":"A"},"Emails":[{"Type":"Work","Value":"w@x.com"}]}`,
			Want: mapping.User{UserName: "a@x.com", DisplayName: "A B", GivenName: "A", WorkEmail: "w@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldDisplayName, mapping.FieldWorkEmail},
		},
		{
			Name: "the primary email is the work email",
			Body: `{"userName":"a@x.com","emails":[{"value":"other@x.com"},{"value":"main@x.com","primary":true}]}`,
			Want: mapping.User{UserName: "a@x.com", WorkEmail: "main@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldWorkEmail},
		},
		{
			Name: "work email chosen over an earlier other one",
			Body: `{"userName":"a@x.com","emails":[{"type":"other","value":"o@x.com","primary":true},{"type":"work","value":"w@x.com"}]}`,
			Want: mapping.User{UserName: "a@x.com", WorkEmail: "w@x.com", Active: true},
		},
		{
			Name: "no work and no primary email: the first",
			Body: `{"userName":"a@x.com","emails":[{"type":"home","value":"h@x.com"},{"type":"other","value":"o@x.com"}]}`,
			Want: mapping.User{UserName: "a@x.com", WorkEmail: "h@x.com", Active: true},
		},
		{
			Name: "an odd primary flag does not fail the body",
			Body: `{"userName":"a@x.com","emails":[{"value":"w@x.com","primary":"yes","type":7}]}`,
			Want: mapping.User{UserName: "a@x.com", WorkEmail: "w@x.com", Active: true},
		},
		{
			Name: "untyped phone is the work phone",
			Body: `{"userName":"a@x.com","phoneNumbers":[{"value":"123"},{"type":"mobile","value":"456"}]}`,
			Want: mapping.User{UserName: "a@x.com", WorkPhone: "123", MobilePhone: "456", Active: true},
		},
		{
			Name: "empty emails clear the work email",
			Body: `{"userName":"a@x.com","emails":[]}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Set:  []mapping.Field{mapping.FieldWorkEmail},
		},
		{
			Name: "unmapped custom attribute is not a custom field",
			Body: `{"userName":"a@x.com","` + fsURN + `":{"shoe_size":"42"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
			Not:  []mapping.Field{mapping.FieldCustom},
		},
		{
			Name: "extension object under a differently cased URN",
			Body: `{"userName":"a@x.com","` + strings.ToUpper(entURN) + `":{"department":"Ops"}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, Department: "Ops"},
			Set:  []mapping.Field{mapping.FieldDepartment},
		},
		{
			Name: "manager with a capitalised Value",
			Body: `{"userName":"a@x.com","` + entURN + `":{"Manager":{"Value":"44"}}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true, ManagerID: "44"},
			Set:  []mapping.Field{mapping.FieldManager},
		},
		{
			Name: "nulls are no values",
			Body: `{"userName":"a@x.com","title":null,"` + entURN + `":{"department":null},"` + fsURN + `":{"location":null}}`,
			Want: mapping.User{UserName: "a@x.com", Active: true},
		},
	}
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
