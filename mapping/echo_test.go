package mapping_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
)

func TestEchoFor(t *testing.T) {
	all := mappingtest.Fields(mapping.FieldUserName, mapping.FieldGivenName, mapping.FieldFamilyName, mapping.FieldDisplayName,
		mapping.FieldWorkEmail, mapping.FieldTimeZone, mapping.FieldLocale, mapping.FieldPreferredLanguage)
	tests := []struct {
		name string
		u    mapping.User
		set  mapping.FieldSet
		want mapping.Echo
	}{
		{
			name: "values Freshservice holds as sent need no echo; the locale lost to preferredLanguage",
			u: mapping.User{UserName: "a@x.com", GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee",
				WorkEmail: "a@x.com", TimeZone: "Europe/Paris", Locale: "fr", PreferredLanguage: "ja-JP"},
			set:  all,
			want: mapping.Echo{mapping.EchoLocale: {Sent: "fr", Stored: "ja-JP"}},
		},
		{
			name: "alias time zone and regional languages",
			u: mapping.User{UserName: "a@x.com", GivenName: "Ann", FamilyName: "Lee", DisplayName: "Ann Lee",
				TimeZone: "US/Eastern", Locale: "en-US", PreferredLanguage: "en-GB"},
			set: all,
			want: mapping.Echo{
				mapping.EchoTimeZone:          {Sent: "US/Eastern", Stored: "Eastern Time (US & Canada)"},
				mapping.EchoPreferredLanguage: {Sent: "en-GB", Stored: "en"},
				mapping.EchoLocale:            {Sent: "en-US", Stored: "en"},
			},
		},
		{
			name: "values with no Freshservice form and no default",
			u:    mapping.User{UserName: "a@x.com", GivenName: "A", TimeZone: "Mars/Olympus_Mons", PreferredLanguage: "hi"},
			set:  all,
			want: mapping.Echo{
				mapping.EchoTimeZone:          {Sent: "Mars/Olympus_Mons", Stored: ""},
				mapping.EchoPreferredLanguage: {Sent: "hi", Stored: ""},
			},
		},
		{
			name: "made-up names and a display name that is not first last",
			u:    mapping.User{UserName: "a@x.com", DisplayName: "Dr. Ann Lee"},
			set:  all,
			want: mapping.Echo{
				mapping.EchoGivenName:  {Sent: "", Stored: "Dr. Ann"},
				mapping.EchoFamilyName: {Sent: "", Stored: "Lee"},
			},
		},
		{
			name: "display name unlike the names",
			u:    mapping.User{UserName: "a@x.com", GivenName: "Ann", FamilyName: "Lee", DisplayName: "Lee, Ann"},
			set:  all,
			want: mapping.Echo{mapping.EchoDisplayName: {Sent: "Lee, Ann", Stored: "Ann Lee"}},
		},
		{
			name: "display name written alone is answered as sent",
			u:    mapping.User{DisplayName: "Ann Lee"},
			set:  mappingtest.Fields(mapping.FieldDisplayName),
			want: mapping.Echo{mapping.EchoDisplayName: {Sent: "Ann Lee", Stored: ""}},
		},
		{
			name: "work email that is the userName in another case",
			u:    mapping.User{UserName: "Ann@X.com", GivenName: "Ann", WorkEmail: "ann@x.com"},
			set:  all,
			want: mapping.Echo{mapping.EchoWorkEmail: {Sent: "ann@x.com", Stored: "Ann@X.com"}},
		},
		{
			name: "the language attribute a write leaves out keeps its value",
			u:    mapping.User{Locale: "fr-FR", PreferredLanguage: "de-DE"},
			set:  mappingtest.Fields(mapping.FieldLocale),
			want: mapping.Echo{
				mapping.EchoLocale:            {Sent: "fr-FR", Stored: "fr"},
				mapping.EchoPreferredLanguage: {Sent: "de-DE", Stored: "fr"},
			},
		},
		{
			name: "kept attributes and isAgent's spelling",
			u: mapping.User{IsAgent: func() *bool { b := true; return &b }(), AgentText: "True",
				Kept: map[string]string{"nickName": "Kee", mapping.SchemaEnterprise + ":employeeNumber": "7"}},
			set: mappingtest.Fields(mapping.FieldIsAgent, mapping.FieldKept),
			want: mapping.Echo{
				mapping.EchoIsAgent: {Sent: "True", Stored: "true"},
				"nickName":          {Sent: "Kee"},
				mapping.SchemaEnterprise + ":employeeNumber": {Sent: "7"},
			},
		},
		{
			name: "attributes outside the set are not remembered",
			u:    mapping.User{TimeZone: "US/Eastern", Locale: "en-US", DisplayName: "x"},
			set:  mappingtest.Fields(mapping.FieldTitle),
			want: mapping.Echo{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, err := mapping.FieldsFor(tt.u, tt.set, mapping.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := mapping.EchoFor(tt.u, tt.set, f); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("EchoFor = %v\nwant      %v", got, tt.want)
			}
		})
	}
}

func TestEchoApply(t *testing.T) {
	echo := mapping.Echo{
		mapping.EchoTimeZone:          {Sent: "Asia/Calcutta", Stored: "Kolkata"},
		mapping.EchoLocale:            {Sent: "en-IN", Stored: "en"},
		mapping.EchoPreferredLanguage: {Sent: "hi", Stored: ""},
		mapping.EchoGivenName:         {Sent: "", Stored: "priya"},
		mapping.EchoDisplayName:       {Sent: "Priya R.", Stored: "priya"},
		mapping.EchoWorkEmail:         {Sent: "priya@contoso.com", Stored: "Priya@Contoso.com"},
	}
	stored := freshservice.User{FirstName: "priya", PrimaryEmail: "Priya@Contoso.com", TimeZone: "Kolkata", Language: "en"}
	tests := []struct {
		name   string
		change func(*freshservice.User)
		want   func(*mapping.User)
	}{
		{
			name:   "Freshservice still holds what was stored",
			change: func(*freshservice.User) {},
			want: func(u *mapping.User) {
				u.TimeZone, u.Locale, u.PreferredLanguage = "Asia/Calcutta", "en-IN", "hi"
				u.GivenName, u.DisplayName, u.WorkEmail = "", "Priya R.", "priya@contoso.com"
			},
		},
		{
			name: "values changed in Freshservice since are answered as they are now",
			change: func(fu *freshservice.User) {
				fu.TimeZone, fu.Language, fu.FirstName = "London", "fr", "Priyanka"
				fu.SecondaryEmails = []string{"p2@contoso.com"}
			},
			want: func(u *mapping.User) {
				u.TimeZone, u.Locale = "Europe/London", "fr"
				u.PreferredLanguage = "hi" // never stored: answered as sent whatever Freshservice holds
				u.GivenName, u.DisplayName, u.WorkEmail = "Priyanka", "Priyanka", "p2@contoso.com"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fu := stored
			tt.change(&fu)
			got := mapping.UserFromFreshservice(fu, mapping.Refs{}, mapping.Options{})
			want := got
			tt.want(&want)
			echo.Apply(&got, fu)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("after Apply = %+v\nwant          %+v", got, want)
			}
		})
	}
}

func TestEchoApplyNilAndUnknownKeys(t *testing.T) {
	fu := freshservice.User{FirstName: "A", TimeZone: "London"}
	u := mapping.UserFromFreshservice(fu, mapping.Refs{}, mapping.Options{})
	want := u
	var none mapping.Echo
	none.Apply(&u, fu)
	mapping.Echo{"favouriteColour": {Sent: "x", Stored: "A"}}.Apply(&u, fu)
	if !reflect.DeepEqual(u, want) {
		t.Errorf("Apply changed %+v into %+v", want, u)
	}
}

func TestEchoMerge(t *testing.T) {
	old := mapping.Echo{
		mapping.EchoTimeZone:  {Sent: "US/Eastern", Stored: "Eastern Time (US & Canada)"},
		mapping.EchoLocale:    {Sent: "en-US", Stored: "en"},
		mapping.EchoGivenName: {Sent: "", Stored: "ann"},
		"legacy":              {Sent: "kept", Stored: "as is"},
	}
	next := mapping.Echo{mapping.EchoLocale: {Sent: "fr-CA", Stored: "fr"}}
	// The write set the time zone to one Freshservice holds exactly, so its entry goes away.
	got := old.Merge(next, mappingtest.Fields(mapping.FieldTimeZone, mapping.FieldLocale))
	want := mapping.Echo{
		mapping.EchoLocale:    {Sent: "fr-CA", Stored: "fr"},
		mapping.EchoGivenName: {Sent: "", Stored: "ann"},
		"legacy":              {Sent: "kept", Stored: "as is"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge = %v\nwant    %v", got, want)
	}
	if len(old) != 4 || old[mapping.EchoLocale].Sent != "en-US" {
		t.Errorf("Merge changed its receiver: %v", old)
	}
}

func TestEchoJSONForm(t *testing.T) {
	e := mapping.Echo{mapping.EchoTimeZone: {Sent: "Asia/Calcutta", Stored: "Kolkata"}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"timezone":{"sent":"Asia/Calcutta","stored":"Kolkata"}}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back mapping.Echo
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, e) {
		t.Errorf("decoded %v (%v), want %v", back, err, e)
	}
}
