package mapping

import (
	"strconv"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/record"
)

// Echo remembers values that Freshservice stores in another form than Entra sent them (a time zone
// alias, "en-US" stored as "en", a first name made up because Entra sent none, a display name that is
// not "first last"), so that they are answered back as sent while Freshservice still holds the form
// they were stored as. Entra compares what it reads with what it wrote and PATCHes every difference on
// every cycle, so without this it would never settle. Keys are the SCIM attribute names of the Echo*
// constants. It is the form a user's record keeps them in (record.UserRecord.Echo).
type Echo map[string]record.EchoValue

// Echo keys.
const (
	EchoTimeZone          = "timezone"
	EchoLocale            = "locale"
	EchoPreferredLanguage = "preferredLanguage"
	EchoGivenName         = "name.givenName"
	EchoFamilyName        = "name.familyName"
	EchoDisplayName       = "displayName"
	EchoWorkEmail         = `emails[type eq "work"].value`
	EchoUserName          = "userName"
	EchoFormattedName     = "name.formatted"
	// EchoIsAgent remembers isAgent's spelling ("True"); Stored is "true" or "false".
	EchoIsAgent = SchemaFreshservice + ":isAgent"
	// EchoEnterpriseLocation marks a user whose location the client writes as the enterprise
	// "_location"; Sent is the location, Stored empty.
	EchoEnterpriseLocation = SchemaEnterprise + ":" + locationKeyFS
)

// echoField is the attribute each key remembers, so that a write of that attribute replaces the entry.
var echoField = map[string]Field{
	EchoTimeZone:           FieldTimeZone,
	EchoLocale:             FieldLocale,
	EchoPreferredLanguage:  FieldPreferredLanguage,
	EchoGivenName:          FieldGivenName,
	EchoFamilyName:         FieldFamilyName,
	EchoDisplayName:        FieldDisplayName,
	EchoWorkEmail:          FieldWorkEmail,
	EchoUserName:           FieldUserName,
	EchoFormattedName:      FieldFormattedName,
	EchoIsAgent:            FieldIsAgent,
	EchoEnterpriseLocation: FieldLocation,
}

// EchoFor lists, for a write f built by FieldsFor from u and set, the values Freshservice will hold in
// another form than sent. It has entries only where the stored form reads back differently.
func EchoFor(u User, set FieldSet, f freshservice.UserFields) Echo {
	e := Echo{}
	if set.Has(FieldTimeZone) && u.TimeZone != "" {
		stored := storedText(f.TimeZone)
		if back, _ := TimeZoneFromFreshservice(stored); stored == "" || back != u.TimeZone {
			e[EchoTimeZone] = record.EchoValue{Sent: u.TimeZone, Stored: stored}
		}
	}
	languages := []struct {
		key   string
		field Field
		sent  string
	}{
		{EchoLocale, FieldLocale, u.Locale},
		{EchoPreferredLanguage, FieldPreferredLanguage, u.PreferredLanguage},
	}
	languageSet := set.Has(FieldLocale) || set.Has(FieldPreferredLanguage)
	for _, l := range languages {
		stored := storedText(f.Language)
		switch {
		case l.sent == "":
		case set.Has(l.field):
			if stored == "" || LanguageFromFreshservice(stored) != l.sent {
				e[l.key] = record.EchoValue{Sent: l.sent, Stored: stored}
			}
		case languageSet && stored != "" && LanguageFromFreshservice(stored) != l.sent:
			// The other of the two attributes decided Freshservice's one language: this one keeps
			// answering what it did, so that a client mapping both sees neither change.
			e[l.key] = record.EchoValue{Sent: l.sent, Stored: stored}
		}
	}
	if set.Has(FieldGivenName) && f.FirstName != nil && *f.FirstName != u.GivenName {
		e[EchoGivenName] = record.EchoValue{Sent: u.GivenName, Stored: *f.FirstName}
	}
	if set.Has(FieldFamilyName) && f.LastName != nil && *f.LastName != u.FamilyName {
		e[EchoFamilyName] = record.EchoValue{Sent: u.FamilyName, Stored: *f.LastName}
	}
	// Freshservice has no display or formatted name: both are answered as "first last". When this
	// write does not set both names, what that will read is unknown, and the name is answered as sent.
	storedName := ""
	if f.FirstName != nil && f.LastName != nil {
		storedName = firstLast(*f.FirstName, *f.LastName)
	}
	for _, n := range []struct {
		field     Field
		key, sent string
	}{{FieldFormattedName, EchoFormattedName, u.FormattedName}, {FieldDisplayName, EchoDisplayName, u.DisplayName}} {
		if set.Has(n.field) && n.sent != "" && n.sent != storedName {
			e[n.key] = record.EchoValue{Sent: n.sent, Stored: storedName}
		}
	}
	if set.Has(FieldKept) {
		// Freshservice holds nothing of these: they are answered whatever it holds.
		for key, v := range u.Kept {
			e[key] = record.EchoValue{Sent: v}
		}
	}
	if set.Has(FieldIsAgent) && u.IsAgent != nil {
		if answer, plain := AgentAnswer(u), strconv.FormatBool(*u.IsAgent); answer != plain {
			e[EchoIsAgent] = record.EchoValue{Sent: answer, Stored: plain}
		}
	}
	if set.Has(FieldLocation) && u.EnterpriseLocation && u.Location != "" {
		e[EchoEnterpriseLocation] = record.EchoValue{Sent: u.Location}
	}
	if set.Has(FieldUserName) && u.UserName != "" && f.Email != nil && *f.Email != u.UserName {
		// A userName that is not an email address: Freshservice holds the work email instead.
		e[EchoUserName] = record.EchoValue{Sent: u.UserName, Stored: *f.Email}
	}
	if set.Has(FieldWorkEmail) && u.WorkEmail != "" && f.SecondaryEmails != nil && len(*f.SecondaryEmails) == 0 {
		// The work email is the primary email in another case: Freshservice keeps only the primary.
		primary := u.UserName
		if f.Email != nil {
			primary = *f.Email
		}
		if primary != u.WorkEmail {
			e[EchoWorkEmail] = record.EchoValue{Sent: u.WorkEmail, Stored: primary}
		}
	}
	return e
}

// Apply answers each remembered value as sent where Freshservice (fu, the user u was read from) still
// holds the form it was stored as.
func (e Echo) Apply(u *User, fu freshservice.User) {
	for key, v := range e {
		switch key {
		case EchoTimeZone:
			if v.Stored == "" || fu.TimeZone == v.Stored {
				u.TimeZone = v.Sent
			}
		case EchoLocale:
			if v.Stored == "" || fu.Language == v.Stored {
				u.Locale = v.Sent
			}
		case EchoPreferredLanguage:
			if v.Stored == "" || fu.Language == v.Stored {
				u.PreferredLanguage = v.Sent
			}
		case EchoGivenName:
			if fu.FirstName == v.Stored {
				u.GivenName = v.Sent
			}
		case EchoFamilyName:
			if fu.LastName == v.Stored {
				u.FamilyName = v.Sent
			}
		case EchoDisplayName:
			if v.Stored == "" || firstLast(fu.FirstName, fu.LastName) == v.Stored {
				u.DisplayName = v.Sent
			}
		case EchoFormattedName:
			if v.Stored == "" || firstLast(fu.FirstName, fu.LastName) == v.Stored {
				u.FormattedName = v.Sent
			}
		case EchoWorkEmail:
			if len(fu.SecondaryEmails) == 0 && fu.Mail() == v.Stored {
				u.WorkEmail = v.Sent
			}
		case EchoUserName:
			if strings.EqualFold(fu.Mail(), v.Stored) {
				u.UserName = v.Sent
			}
		case EchoIsAgent:
			if strconv.FormatBool(fu.IsAgent) == v.Stored {
				u.AgentText = v.Sent
			}
		case EchoEnterpriseLocation:
			u.EnterpriseLocation = true
		default:
			if isKept(key) {
				setKept(u, key, v.Sent)
			}
		}
	}
}

// Merge gives the remembered values after a write of the attributes in set whose EchoFor is next:
// entries for attributes the write set are replaced by next (or dropped), the others are kept.
// Neither e nor next is changed.
func (e Echo) Merge(next Echo, set FieldSet) Echo {
	out := make(Echo, len(e)+len(next))
	for key, v := range e {
		field, known := echoField[key]
		if isKept(key) {
			field, known = FieldKept, true
		}
		if known && set.Has(field) {
			continue
		}
		out[key] = v
	}
	for key, v := range next {
		out[key] = v
	}
	return out
}

func firstLast(first, last string) string { return strings.TrimSpace(first + " " + last) }

func storedText(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
