package mapping

import (
	"strconv"

	"github.com/fsscim/fsscim/freshservice"
)

// locationKeyFS is where Freshservice's own app puts physicalDeliveryOfficeName: the enterprise
// extension's "_location".
const locationKeyFS = "_location"

// UserToAttributes builds the SCIM resource attributes fsscim answers for u (without id, schemas and
// meta, which the caller adds). Empty values are left out; isAgent is a string (AgentAnswer).
func UserToAttributes(u User, opts Options) map[string]any {
	out := map[string]any{"active": u.Active}
	putNonEmpty(out, "userName", u.UserName)
	putNonEmpty(out, "externalId", u.ExternalID)
	name := map[string]any{}
	putNonEmpty(name, "givenName", u.GivenName)
	putNonEmpty(name, "familyName", u.FamilyName)
	// Entra's default mapping builds name.formatted as Join(" ", givenName, surname); another form
	// Entra sent is remembered and answered as sent.
	formatted := u.FormattedName
	if formatted == "" {
		formatted = firstLast(u.GivenName, u.FamilyName)
	}
	putNonEmpty(name, "formatted", formatted)
	enterprise := map[string]any{}
	putKept(out, name, enterprise, u)
	if len(name) > 0 {
		out["name"] = name
	}
	putNonEmpty(out, "displayName", u.DisplayName)
	putNonEmpty(out, "title", u.Title)
	if u.WorkEmail != "" {
		out["emails"] = []any{map[string]any{"value": u.WorkEmail, "type": "work", "primary": true}}
	}
	var phones []any
	if u.WorkPhone != "" {
		phones = append(phones, map[string]any{"value": u.WorkPhone, "type": "work"})
	}
	if u.MobilePhone != "" {
		phones = append(phones, map[string]any{"value": u.MobilePhone, "type": "mobile"})
	}
	if phones != nil {
		out["phoneNumbers"] = phones
	}
	if u.WorkAddress != "" {
		out["addresses"] = []any{map[string]any{"formatted": u.WorkAddress, "type": "work"}}
	}
	putNonEmpty(out, "timezone", u.TimeZone)
	putNonEmpty(out, "locale", u.Locale)
	putNonEmpty(out, "preferredLanguage", u.PreferredLanguage)

	putNonEmpty(enterprise, "department", u.Department)
	if u.ManagerID != "" {
		enterprise["manager"] = map[string]any{"value": u.ManagerID}
	}
	if u.EnterpriseLocation {
		// Freshservice's own app maps the office to the enterprise "_location", a name the SCIM
		// grammar cannot declare: it is answered there only to a client that writes it there, which
		// compares it there.
		putNonEmpty(enterprise, locationKeyFS, u.Location)
	}
	if len(enterprise) > 0 {
		out[SchemaEnterprise] = enterprise
	}

	extension := map[string]any{}
	putNonEmpty(extension, "isAgent", AgentAnswer(u))
	putNonEmpty(extension, "location", u.Location)
	for key, v := range u.Custom {
		if name, _, ok := opts.customAttribute(key); ok && v != nil {
			extension[name] = v
		}
	}
	if len(extension) > 0 {
		out[SchemaFreshservice] = extension
	}
	return out
}

// UserFromFreshservice reads a Freshservice requester or agent as a SCIM user. Values Freshservice
// keeps in another form than Entra sent (time zone, language) come back in Freshservice's terms;
// Echo.Apply puts Entra's forms back.
func UserFromFreshservice(fu freshservice.User, refs Refs, opts Options) User {
	isAgent := fu.IsAgent
	u := User{
		ID:          strconv.FormatInt(fu.ID, 10),
		UserName:    fu.Mail(),
		ExternalID:  string(fu.ExternalID),
		GivenName:   fu.FirstName,
		FamilyName:  fu.LastName,
		DisplayName: firstLast(fu.FirstName, fu.LastName),
		Title:       fu.JobTitle,
		WorkEmail:   fu.Mail(),
		WorkPhone:   string(fu.WorkPhoneNumber),
		MobilePhone: string(fu.MobilePhoneNumber),
		WorkAddress: fu.Address,
		Active:      fu.Active,
		Department:  refs.DepartmentName,
		Location:    refs.LocationName,
		IsAgent:     &isAgent,
	}
	if len(fu.SecondaryEmails) > 0 && fu.SecondaryEmails[0] != "" {
		u.WorkEmail = fu.SecondaryEmails[0]
	}
	if tz, ok := TimeZoneFromFreshservice(fu.TimeZone); ok {
		u.TimeZone = tz
	}
	if fu.Language != "" {
		u.Locale = LanguageFromFreshservice(fu.Language)
		u.PreferredLanguage = u.Locale
	}
	if fu.ReportingManagerID != 0 {
		u.ManagerID = strconv.FormatInt(int64(fu.ReportingManagerID), 10)
	}
	for name, key := range opts.Attributes {
		if v, ok := fu.CustomFields[key]; ok && v != nil {
			if u.Custom == nil {
				u.Custom = make(map[string]any)
			}
			u.Custom[name] = v
		}
	}
	return u
}

func putNonEmpty(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}
