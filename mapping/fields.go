package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/fsscim/fsscim/freshservice"
)

// Options are the tenant-specific knobs the translation needs.
type Options struct {
	// Attributes maps a Freshservice-extension SCIM attribute name to the custom_fields key it is
	// stored under. SCIM names match ignoring case.
	Attributes map[string]string
	// DefaultTimeZone is the Freshservice time zone name written when Entra's time zone has no
	// Freshservice equivalent ("" = write none).
	DefaultTimeZone string
	// DefaultLanguage is the Freshservice language code written when Entra's language has no
	// Freshservice equivalent ("" = write none).
	DefaultLanguage string
	// LocationAsEnterprise says the client of this request writes the location as the enterprise
	// "_location" (the Freshservice app's mapping), so a location it writes is answered there too.
	LocationAsEnterprise bool
}

// customAttribute finds the tenant's mapping for a Freshservice-extension attribute: the name as the
// tenant spells it and the custom_fields key.
func (o Options) customAttribute(scimName string) (name, key string, ok bool) {
	if key, ok := o.Attributes[scimName]; ok {
		return scimName, key, true
	}
	for name, key := range o.Attributes {
		if strings.EqualFold(name, scimName) {
			return name, key, true
		}
	}
	return "", "", false
}

// Refs are the names of the department and location a Freshservice user refers to by id, resolved by
// the caller.
type Refs struct{ DepartmentName, LocationName string }

// Needs are the references a write needs resolved from names into Freshservice ids before it is sent.
// A Set flag with an empty name means "clear the reference".
type Needs struct {
	Department, Location       string
	SetDepartment, SetLocation bool
}

// FieldsFor builds the Freshservice write for the attributes of u named in set. Department and
// location come back as names in Needs, for the caller to resolve into ids. Values that cannot be
// written as sent (an unknown time zone or language, a missing first name, an unmapped custom
// attribute) are reported as warnings; a manager id that cannot be a Freshservice id is an error.
func FieldsFor(u User, set FieldSet, opts Options) (freshservice.UserFields, Needs, []string, error) {
	var (
		f        freshservice.UserFields
		needs    Needs
		warnings []string
	)
	primary := PrimaryEmail(u)
	// With a userName that is not an email address, the work email is the primary email, so a change
	// of either writes it.
	if set.Has(FieldUserName) || (set.Has(FieldWorkEmail) && u.UserName != "" && !LooksLikeEmail(u.UserName)) {
		switch {
		case primary != "":
			f.Email = fieldText(primary)
		case u.UserName != "":
			return freshservice.UserFields{}, Needs{}, nil, invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf(
				"userName %s is not an email address and no work email was sent: Freshservice identifies every user by an email address. Map mail or userPrincipalName to userName, or map mail to emails[type eq \"work\"].value",
				patchShow(u.UserName)))
		default:
			warnings = append(warnings, "userName is empty; the primary email is left unchanged")
		}
	}
	if set.Has(FieldWorkEmail) {
		secondary := []string{}
		// Without a userName to compare (a partial user) the primary email is unknown here.
		sameAsPrimary := u.UserName != "" && strings.EqualFold(u.WorkEmail, primary)
		if u.WorkEmail != "" && !sameAsPrimary {
			secondary = append(secondary, u.WorkEmail)
		}
		f.SecondaryEmails = &secondary
	}
	if set.Has(FieldGivenName) {
		first := u.GivenName
		if first == "" {
			first = fallbackFirstName(u)
		}
		if first != "" {
			f.FirstName = fieldText(first)
		} else {
			warnings = append(warnings, "no given name, display name or email to take a first name from; the first name is left unchanged")
		}
	}
	if set.Has(FieldFamilyName) {
		last := u.FamilyName
		if last == "" && u.GivenName == "" && set.Has(FieldGivenName) {
			_, last = splitDisplayName(u.DisplayName)
		}
		f.LastName = fieldText(last)
	}
	if set.Has(FieldTitle) {
		f.JobTitle = fieldText(u.Title)
	}
	if set.Has(FieldWorkPhone) {
		f.WorkPhoneNumber = fieldText(u.WorkPhone)
	}
	if set.Has(FieldMobilePhone) {
		f.MobilePhoneNumber = fieldText(u.MobilePhone)
	}
	if set.Has(FieldWorkAddress) {
		f.Address = fieldText(u.WorkAddress)
	}
	if set.Has(FieldExternalID) {
		f.ExternalID = fieldText(u.ExternalID)
	}
	if set.Has(FieldTimeZone) && u.TimeZone != "" {
		name, warning := timeZoneToWrite(u.TimeZone, opts)
		if name != "" {
			f.TimeZone = fieldText(name)
		}
		if warning != "" {
			warnings = append(warnings, warning)
		}
	}
	if set.Has(FieldPreferredLanguage) || set.Has(FieldLocale) {
		code, warning := languageToWrite(u, set, opts)
		if code != "" {
			f.Language = fieldText(code)
		}
		if warning != "" {
			warnings = append(warnings, warning)
		}
	}
	if set.Has(FieldManager) {
		id, err := managerReference(u.ManagerID)
		if err != nil {
			return freshservice.UserFields{}, Needs{}, nil, err
		}
		f.ReportingManagerID = &id
	}
	if set.Has(FieldDepartment) {
		needs.Department, needs.SetDepartment = u.Department, true
	}
	if set.Has(FieldLocation) {
		needs.Location, needs.SetLocation = u.Location, true
	}
	if set.Has(FieldCustom) {
		names := make([]string, 0, len(u.Custom))
		for name := range u.Custom {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			_, key, ok := opts.customAttribute(name)
			if !ok {
				warnings = append(warnings, fmt.Sprintf("attribute %q is not in the tenant's attributes table; not written", name))
				continue
			}
			if f.CustomFields == nil {
				f.CustomFields = make(map[string]any)
			}
			f.CustomFields[key] = u.Custom[name]
		}
	}
	return f, needs, warnings, nil
}

func fieldText(s string) *string { return &s }

// fallbackFirstName is what Freshservice gets as first_name, which it requires, when Entra sent no
// given name: the display name without its last word (all of it when it is one word), else the local
// part of the email.
func fallbackFirstName(u User) string {
	if first, _ := splitDisplayName(u.DisplayName); first != "" {
		return first
	}
	for _, email := range []string{u.UserName, u.WorkEmail} {
		local, _, _ := strings.Cut(strings.TrimSpace(email), "@")
		if local != "" {
			return local
		}
	}
	return ""
}

// splitDisplayName splits a display name at its last space.
func splitDisplayName(displayName string) (first, last string) {
	displayName = strings.TrimSpace(displayName)
	i := strings.LastIndexAny(displayName, " \t")
	if i < 0 {
		return displayName, ""
	}
	return strings.TrimSpace(displayName[:i]), strings.TrimSpace(displayName[i+1:])
}

func timeZoneToWrite(iana string, opts Options) (name, warning string) {
	if name, ok := TimeZoneToFreshservice(iana); ok {
		return name, ""
	}
	if opts.DefaultTimeZone != "" {
		return opts.DefaultTimeZone, fmt.Sprintf("time zone %q has no Freshservice equivalent; the tenant default %q is written", iana, opts.DefaultTimeZone)
	}
	return "", fmt.Sprintf("time zone %q has no Freshservice equivalent; the time zone is left unchanged", iana)
}

// languageToWrite picks the Freshservice language: from the one of locale and preferredLanguage that
// the write sets (a PATCH of locale decides the language, whatever preferredLanguage says), from
// preferredLanguage when it sets both, else from the other.
func languageToWrite(u User, set FieldSet, opts Options) (code, warning string) {
	tags := []string{u.PreferredLanguage, u.Locale}
	if set.Has(FieldLocale) && !set.Has(FieldPreferredLanguage) {
		tags = []string{u.Locale, u.PreferredLanguage}
	}
	var sent []string
	for _, tag := range tags {
		if tag == "" {
			continue
		}
		if code, ok := LanguageToFreshservice(tag); ok {
			return code, ""
		}
		sent = append(sent, strconv.Quote(tag))
	}
	if len(sent) == 0 {
		return "", ""
	}
	if opts.DefaultLanguage != "" {
		return opts.DefaultLanguage, fmt.Sprintf("language %s has no Freshservice equivalent; the tenant default %q is written", strings.Join(sent, " / "), opts.DefaultLanguage)
	}
	return "", fmt.Sprintf("language %s has no Freshservice equivalent; the language is left unchanged", strings.Join(sent, " / "))
}

// managerReference turns the manager's SCIM id, which is its Freshservice id, into a reference; "" clears it.
func managerReference(value string) (freshservice.ID, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n <= 0 {
		return 0, invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf("manager %q is not the id of a user fsscim knows (ids are numbers)", value))
	}
	return freshservice.ID(n), nil
}

// LooksLikeEmail reports whether s has the shape of an email address (local@domain.tld), which is what
// Freshservice accepts as a primary email.
func LooksLikeEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n<>\"") {
		return false
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

// PrimaryEmail is the Freshservice primary email for u: its userName when that is an email address
// (Entra's usual mapping), otherwise its work email (SCIM clients whose userName is a login name).
// Empty when neither is an email address.
func PrimaryEmail(u User) string {
	switch {
	case LooksLikeEmail(u.UserName):
		return u.UserName
	case LooksLikeEmail(u.WorkEmail):
		return u.WorkEmail
	}
	return ""
}
