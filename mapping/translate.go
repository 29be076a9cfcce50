package mapping

import (
	"encoding/json"
	"fmt"
	"net/http"
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

// locationKeyFS is where Freshservice's own app puts physicalDeliveryOfficeName: the enterprise
// extension's "_location".
const locationKeyFS = "_location"

// silentCoreAttributes are dropped without being reported as ignored: the resource's own framing, the
// read-only groups, and password, which must never reach a log line.
var silentCoreAttributes = map[string]bool{"schemas": true, "id": true, "meta": true, "groups": true, "password": true}

// UserFromAttributes reads a POST or PUT body as the SCIM library hands it over (core attributes at the
// top level, extensions as nested objects under their URN; URN-qualified keys at the top level are
// accepted too). It accepts the forms Entra sends: "True"/"false" strings for booleans, manager as a
// string, {"value":…}, [{"value":…}] or {"value":""}, and multi-valued attributes as arrays or as one
// object. The set names every attribute the body carries, and always the name parts, because a full
// body defines the name (FieldsFor derives a first name when it is missing). Attributes fsscim does not
// map are reported in ignored, never rejected. A mapped attribute with a value of the wrong type is an
// error (SCIM invalidValue).
func UserFromAttributes(attrs map[string]any, opts Options) (u User, set FieldSet, ignored []string, err error) {
	u.Active = true
	set.Add(FieldGivenName)
	set.Add(FieldFamilyName)
	set.Add(FieldFormattedName)
	var enterprise, extension []bodyEntry
	for _, kv := range bodyEntries(attrs) {
		lower := strings.ToLower(kv.key)
		switch {
		case silentCoreAttributes[lower]:
		case lower == strings.ToLower(SchemaEnterprise), lower == strings.ToLower(SchemaFreshservice):
			obj, ok := kv.value.(map[string]any)
			if !ok && kv.value != nil {
				return User{}, 0, nil, wrongTypeError(kv.key, kv.value)
			}
			if lower == strings.ToLower(SchemaEnterprise) {
				enterprise = append(enterprise, bodyEntries(obj)...)
			} else {
				extension = append(extension, bodyEntries(obj)...)
			}
		case strings.HasPrefix(lower, strings.ToLower(SchemaEnterprise)+":"):
			enterprise = append(enterprise, bodyEntry{kv.key[len(SchemaEnterprise)+1:], kv.value})
		case strings.HasPrefix(lower, strings.ToLower(SchemaFreshservice)+":"):
			extension = append(extension, bodyEntry{kv.key[len(SchemaFreshservice)+1:], kv.value})
		default:
			skipped, err := readBodyCore(&u, &set, kv)
			if err != nil {
				return User{}, 0, nil, err
			}
			ignored = append(ignored, skipped...)
		}
	}
	for _, kv := range enterprise {
		skipped, err := readBodyEnterprise(&u, &set, kv)
		if err != nil {
			return User{}, 0, nil, err
		}
		ignored = append(ignored, skipped...)
	}
	for _, kv := range extension {
		skipped, err := readBodyExtension(&u, &set, kv, opts)
		if err != nil {
			return User{}, 0, nil, err
		}
		ignored = append(ignored, skipped...)
	}
	if u.UserName == "" {
		return User{}, 0, nil, invalidValueDetail("userName is required")
	}
	return u, set, sortedDistinct(ignored), nil
}

// readBodyCore reads one top-level attribute into u and returns what it ignored of it.
func readBodyCore(u *User, set *FieldSet, kv bodyEntry) ([]string, error) {
	var err error
	switch strings.ToLower(kv.key) {
	case "username":
		u.UserName, err = bodyString("userName", kv.value)
		set.Add(FieldUserName)
	case "externalid":
		u.ExternalID, err = bodyString("externalId", kv.value)
		set.Add(FieldExternalID)
	case "displayname":
		u.DisplayName, err = bodyString("displayName", kv.value)
		set.Add(FieldDisplayName)
	case "title":
		u.Title, err = bodyString("title", kv.value)
		set.Add(FieldTitle)
	case "timezone":
		u.TimeZone, err = bodyString("timezone", kv.value)
		set.Add(FieldTimeZone)
	case "locale":
		u.Locale, err = bodyString("locale", kv.value)
		set.Add(FieldLocale)
	case "preferredlanguage":
		u.PreferredLanguage, err = bodyString("preferredLanguage", kv.value)
		set.Add(FieldPreferredLanguage)
	case "active":
		var b, present bool
		b, present, err = bodyBool("active", kv.value)
		if present {
			u.Active = b
			set.Add(FieldActive)
		}
	case "name":
		return readBodyName(u, kv.value)
	case "emails":
		set.Add(FieldWorkEmail)
		return readBodyEmails(u, kv.value)
	case "phonenumbers":
		set.Add(FieldWorkPhone)
		set.Add(FieldMobilePhone)
		return readBodyPhones(u, kv.value)
	case "addresses":
		set.Add(FieldWorkAddress)
		return readBodyAddresses(u, kv.value)
	default:
		if !carriesNothing(kv.value) {
			return []string{kv.key}, nil
		}
	}
	return nil, err
}

func readBodyName(u *User, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, wrongTypeError("name", v)
	}
	var ignored []string
	for _, kv := range bodyEntries(obj) {
		var err error
		switch strings.ToLower(kv.key) {
		case "givenname":
			u.GivenName, err = bodyString("name.givenName", kv.value)
		case "familyname":
			u.FamilyName, err = bodyString("name.familyName", kv.value)
		case "formatted":
			u.FormattedName, err = bodyString("name.formatted", kv.value)
		default:
			if !carriesNothing(kv.value) {
				ignored = append(ignored, "name."+kv.key)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return ignored, nil
}

// readBodyEmails takes the work email: the first of type work, else the primary one, else the first.
func readBodyEmails(u *User, v any) ([]string, error) {
	items, err := readMultiValued("emails", v)
	if err != nil {
		return nil, err
	}
	pick := -1
	for i, it := range items {
		if it.typ == "work" {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, it := range items {
			if it.primary {
				pick = i
				break
			}
		}
	}
	if pick < 0 && len(items) > 0 {
		pick = 0
	}
	u.WorkEmail = ""
	if pick >= 0 {
		if u.WorkEmail, err = bodyString("emails.value", items[pick].get("value")); err != nil {
			return nil, err
		}
	}
	return untakenValues("emails", items, pick), nil
}

func readBodyPhones(u *User, v any) ([]string, error) {
	items, err := readMultiValued("phoneNumbers", v)
	if err != nil {
		return nil, err
	}
	work, mobile := indexOfType(items, "work"), indexOfType(items, "mobile")
	u.WorkPhone, u.MobilePhone = "", ""
	if work >= 0 {
		if u.WorkPhone, err = bodyString(`phoneNumbers[type eq "work"].value`, items[work].get("value")); err != nil {
			return nil, err
		}
	}
	if mobile >= 0 {
		if u.MobilePhone, err = bodyString(`phoneNumbers[type eq "mobile"].value`, items[mobile].get("value")); err != nil {
			return nil, err
		}
	}
	return untakenValues("phoneNumbers", items, work, mobile), nil
}

func readBodyAddresses(u *User, v any) ([]string, error) {
	items, err := readMultiValued("addresses", v)
	if err != nil {
		return nil, err
	}
	work := indexOfType(items, "work")
	u.WorkAddress = ""
	ignored := untakenValues("addresses", items, work)
	if work >= 0 {
		if u.WorkAddress, err = bodyString(`addresses[type eq "work"].formatted`, items[work].get("formatted")); err != nil {
			return nil, err
		}
		// Freshservice holds one address line; the structured parts have nowhere to go.
		for _, kv := range bodyEntries(items[work].attrs) {
			switch strings.ToLower(kv.key) {
			case "formatted", "type", "primary":
			default:
				if !carriesNothing(kv.value) {
					ignored = append(ignored, `addresses[type eq "work"].`+kv.key)
				}
			}
		}
	}
	return ignored, nil
}

func readBodyEnterprise(u *User, set *FieldSet, kv bodyEntry) ([]string, error) {
	var err error
	switch strings.ToLower(kv.key) {
	case "department":
		u.Department, err = bodyString(SchemaEnterprise+":department", kv.value)
		set.Add(FieldDepartment)
	case "manager":
		u.ManagerID, err = managerFromBody(kv.value)
		set.Add(FieldManager)
	case locationKeyFS:
		u.Location, err = bodyString(SchemaEnterprise+":_location", kv.value)
		set.Add(FieldLocation)
	default:
		if !carriesNothing(kv.value) {
			return []string{SchemaEnterprise + ":" + kv.key}, nil
		}
	}
	return nil, err
}

func readBodyExtension(u *User, set *FieldSet, kv bodyEntry, opts Options) ([]string, error) {
	var err error
	switch strings.ToLower(kv.key) {
	case "isagent":
		var b, present bool
		b, present, err = bodyBool(SchemaFreshservice+":isAgent", kv.value)
		if present {
			u.IsAgent = &b
			set.Add(FieldIsAgent)
		}
	case "location", locationKeyFS:
		u.Location, err = bodyString(SchemaFreshservice+":"+kv.key, kv.value)
		set.Add(FieldLocation)
	default:
		name, _, ok := opts.customAttribute(kv.key)
		if !ok {
			if !carriesNothing(kv.value) {
				return []string{SchemaFreshservice + ":" + kv.key}, nil
			}
			return nil, nil
		}
		var v any
		if v, err = customScalar(SchemaFreshservice+":"+kv.key, kv.value); err != nil {
			return nil, err
		}
		if u.Custom == nil {
			u.Custom = make(map[string]any)
		}
		u.Custom[name] = v
		set.Add(FieldCustom)
	}
	return nil, err
}

// UserToAttributes builds the SCIM resource attributes fsscim answers for u (without id, schemas and
// meta, which the caller adds). Empty values are left out; isAgent is a boolean.
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

	enterprise := map[string]any{}
	putNonEmpty(enterprise, "department", u.Department)
	if u.ManagerID != "" {
		enterprise["manager"] = map[string]any{"value": u.ManagerID}
	}
	// Freshservice's own app maps the office to the enterprise "_location"; answering it there too
	// lets Entra jobs built for that app read back what they wrote.
	putNonEmpty(enterprise, locationKeyFS, u.Location)
	if len(enterprise) > 0 {
		out[SchemaEnterprise] = enterprise
	}

	extension := map[string]any{}
	if u.IsAgent != nil {
		extension["isAgent"] = *u.IsAgent
	}
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
			return freshservice.UserFields{}, Needs{}, nil, invalidValueDetail(fmt.Sprintf(
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
		code, warning := languageToWrite(u, opts)
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

// languageToWrite picks the Freshservice language from preferredLanguage, else from locale.
func languageToWrite(u User, opts Options) (code, warning string) {
	var sent []string
	for _, tag := range []string{u.PreferredLanguage, u.Locale} {
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
		return 0, invalidValueDetail(fmt.Sprintf("manager %q is not the id of a user fsscim knows (ids are numbers)", value))
	}
	return freshservice.ID(n), nil
}

// managerFromBody reads the enterprise manager in any of the forms Entra sends: "id", {"value":"id"},
// [{"value":"id","$ref":…}]; null, {"value":""} and [] mean no manager.
func managerFromBody(v any) (string, error) {
	const attr = SchemaEnterprise + ":manager"
	switch t := v.(type) {
	case nil:
		return "", nil
	case map[string]any:
		return bodyString(attr+".value", subAttribute(t, "value"))
	case []any:
		if len(t) == 0 {
			return "", nil
		}
		return managerFromBody(t[0])
	case []map[string]any:
		if len(t) == 0 {
			return "", nil
		}
		return managerFromBody(t[0])
	default:
		s, err := bodyString(attr, v)
		return strings.TrimSpace(s), err
	}
}

// bodyEntry is one attribute of a body.
type bodyEntry struct {
	key   string
	value any
}

// bodyEntries lists an object's attributes in key order, so that the first error reported for a
// body does not depend on map iteration.
func bodyEntries(obj map[string]any) []bodyEntry {
	out := make([]bodyEntry, 0, len(obj))
	for k, v := range obj {
		out = append(out, bodyEntry{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// subAttribute reads a sub-attribute, whose name SCIM matches ignoring case.
func subAttribute(obj map[string]any, name string) any {
	if v, ok := obj[name]; ok {
		return v
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// multiValue is one value of a multi-valued attribute.
type multiValue struct {
	attrs   map[string]any
	typ     string // lower-cased
	primary bool
}

func (e multiValue) get(name string) any { return subAttribute(e.attrs, name) }

// readMultiValued reads a multi-valued complex attribute, sent as an array or as one object.
func readMultiValued(attr string, v any) ([]multiValue, error) {
	var objs []map[string]any
	switch t := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		objs = []map[string]any{t}
	case []map[string]any:
		objs = t
	case []any:
		for _, it := range t {
			if it == nil {
				continue
			}
			obj, ok := it.(map[string]any)
			if !ok {
				return nil, wrongTypeError(attr, v)
			}
			objs = append(objs, obj)
		}
	default:
		return nil, wrongTypeError(attr, v)
	}
	items := make([]multiValue, 0, len(objs))
	for _, obj := range objs {
		// type and primary only choose a value; an odd one makes the value untyped or not primary
		// rather than failing the whole request.
		typ, _ := subAttribute(obj, "type").(string)
		primary, _, err := bodyBool(attr+".primary", subAttribute(obj, "primary"))
		items = append(items, multiValue{attrs: obj, typ: strings.ToLower(strings.TrimSpace(typ)), primary: primary && err == nil})
	}
	return items, nil
}

// indexOfType finds the value of a type: the first of that type, else (for work) the first untyped one.
func indexOfType(items []multiValue, typ string) int {
	for i, it := range items {
		if it.typ == typ {
			return i
		}
	}
	if typ == "work" {
		for i, it := range items {
			if it.typ == "" {
				return i
			}
		}
	}
	return -1
}

// untakenValues names the values of a multi-valued attribute that were not taken.
func untakenValues(attr string, items []multiValue, taken ...int) []string {
	var out []string
next:
	for i, it := range items {
		for _, t := range taken {
			if i == t {
				continue next
			}
		}
		if carriesNothing(it.get("value")) && carriesNothing(it.get("formatted")) {
			continue
		}
		out = append(out, fmt.Sprintf("%s[type eq %q]", attr, it.typ))
	}
	return out
}

// bodyString reads a string attribute; numbers are accepted in their decimal form.
func bodyString(attr string, v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	default:
		return "", wrongTypeError(attr, v)
	}
}

// bodyBool reads a boolean sent as a JSON boolean or as a string ("True", "false", "1", "0");
// present is false for null and the empty string.
func bodyBool(attr string, v any) (b, present bool, err error) {
	switch t := v.(type) {
	case nil:
		return false, false, nil
	case bool:
		return t, true, nil
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return false, false, nil
		}
		b, perr := strconv.ParseBool(s)
		if perr != nil {
			return false, false, wrongTypeError(attr, v)
		}
		return b, true, nil
	default:
		return false, false, wrongTypeError(attr, v)
	}
}

// customScalar checks that a custom attribute is a JSON scalar, which is all a Freshservice custom field
// holds; null clears the field.
func customScalar(attr string, v any) (any, error) {
	switch v.(type) {
	case nil, string, bool, json.Number, float64, float32, int, int32, int64:
		return v, nil
	default:
		return nil, wrongTypeError(attr, v)
	}
}

// carriesNothing reports values that carry nothing worth reporting as ignored.
func carriesNothing(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func putNonEmpty(m map[string]any, key, value string) {
	if value != "" {
		m[key] = value
	}
}

func fieldText(s string) *string { return &s }

func sortedDistinct(items []string) []string {
	if len(items) == 0 {
		return nil
	}
	sort.Strings(items)
	out := items[:1]
	for _, s := range items[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}

// wrongTypeError is the SCIM error for a value of the wrong type; the detail names the attribute
// and the value so that the Entra provisioning log says what to fix.
func wrongTypeError(attr string, v any) error {
	shown, err := json.Marshal(v)
	if err != nil {
		shown = []byte(fmt.Sprintf("%v", v))
	}
	const limit = 200
	if len(shown) > limit {
		shown = append(shown[:limit], "…"...)
	}
	return invalidValueDetail(fmt.Sprintf("attribute %q: value %s has the wrong type", attr, shown))
}

func invalidValueDetail(detail string) error {
	return scimerrors.ScimError{ScimType: scimerrors.ScimTypeInvalidValue, Detail: detail, Status: http.StatusBadRequest}
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
