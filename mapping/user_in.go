package mapping

import (
	"fmt"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
)

// silentCoreAttributes are dropped without being reported as ignored: the resource's own framing, the
// read-only groups, and password, which must never reach a log line.
var silentCoreAttributes = map[string]bool{"schemas": true, "id": true, "meta": true, "groups": true, "password": true}

// UserFromAttributes reads a POST or PUT body in standard SCIM form: core attributes at the top level,
// each extension as an object under its URN, booleans as JSON booleans, strings as strings, the
// manager as {"value": id} and multi-valued attributes as lists (proxy/dialect puts what clients send
// in that form). Names match in any case. The set names every attribute the body carries, and always
// the name parts, because a full body defines the name (FieldsFor derives a first name when it is
// missing). Attributes fsscim does not map are reported in ignored, never rejected. A mapped attribute
// with a value of the wrong type is an error (SCIM invalidValue).
func UserFromAttributes(attrs map[string]any, opts Options) (u User, set FieldSet, ignored []string, err error) {
	u.Active = true
	set.Add(FieldGivenName)
	set.Add(FieldFamilyName)
	set.Add(FieldFormattedName)
	set.Add(FieldKept)
	var enterprise, extension []entry
	for _, kv := range entries(attrs) {
		lower := strings.ToLower(kv.key)
		switch {
		case silentCoreAttributes[lower]:
		case lower == strings.ToLower(SchemaEnterprise), lower == strings.ToLower(SchemaFreshservice):
			obj, ok := kv.value.(map[string]any)
			if !ok && kv.value != nil {
				return User{}, 0, nil, wrongValue(kv.key, kv.value, "an object")
			}
			if lower == strings.ToLower(SchemaEnterprise) {
				enterprise = append(enterprise, entries(obj)...)
			} else {
				extension = append(extension, entries(obj)...)
			}
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
		return User{}, 0, nil, invalid(scimerrors.ScimTypeInvalidValue, "userName is required")
	}
	return u, set, sortedDistinct(ignored), nil
}

// coreStringAttrs are the single-valued string attributes of the core schema, by lower-case name:
// the name as the schema spells it, the field, and where User holds the value.
var coreStringAttrs = map[string]struct {
	name  string
	field Field
	ptr   func(*User) *string
}{
	"username":          {"userName", FieldUserName, func(u *User) *string { return &u.UserName }},
	"externalid":        {"externalId", FieldExternalID, func(u *User) *string { return &u.ExternalID }},
	"displayname":       {"displayName", FieldDisplayName, func(u *User) *string { return &u.DisplayName }},
	"title":             {"title", FieldTitle, func(u *User) *string { return &u.Title }},
	"timezone":          {"timezone", FieldTimeZone, func(u *User) *string { return &u.TimeZone }},
	"locale":            {"locale", FieldLocale, func(u *User) *string { return &u.Locale }},
	"preferredlanguage": {"preferredLanguage", FieldPreferredLanguage, func(u *User) *string { return &u.PreferredLanguage }},
}

// readBodyCore reads one top-level attribute into u and returns what it ignored of it.
func readBodyCore(u *User, set *FieldSet, kv entry) ([]string, error) {
	var err error
	attr := strings.ToLower(kv.key)
	if a, ok := coreStringAttrs[attr]; ok {
		*a.ptr(u), err = readString(a.name, kv.value)
		set.Add(a.field)
		return nil, err
	}
	switch attr {
	case "active":
		var b, present bool
		b, present, err = readBoolean("active", kv.value)
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
		return readBodyKept(u, "", kv)
	}
	return nil, err
}

// readBodyKept reads an attribute of schema ("" for the core schema) that fsscim keeps itself, or
// reports it as ignored.
func readBodyKept(u *User, schema string, kv entry) ([]string, error) {
	attr, sub := kv.key, ""
	if schema == "name" {
		schema, attr, sub = "", "name", kv.key
	}
	key, ok := keptKey(schema, attr, sub)
	if !ok {
		if CarriesNothing(kv.value) {
			return nil, nil
		}
		name := kv.key
		switch {
		case sub != "":
			name = "name." + sub
		case schema != "":
			name = schema + ":" + kv.key
		}
		return []string{name}, nil
	}
	s, err := readString(key, kv.value)
	if err != nil {
		return nil, err
	}
	setKept(u, key, s)
	return nil, nil
}

func readBodyName(u *User, v any) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, wrongValue("name", v, "an object")
	}
	var ignored []string
	for _, kv := range entries(obj) {
		var err error
		switch strings.ToLower(kv.key) {
		case "givenname":
			u.GivenName, err = readString("name.givenName", kv.value)
		case "familyname":
			u.FamilyName, err = readString("name.familyName", kv.value)
		case "formatted":
			u.FormattedName, err = readString("name.formatted", kv.value)
		default:
			var skipped []string
			skipped, err = readBodyKept(u, "name", kv)
			ignored = append(ignored, skipped...)
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
		if u.WorkEmail, err = readString("emails.value", items[pick].get("value")); err != nil {
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
		if u.WorkPhone, err = readString(`phoneNumbers[type eq "work"].value`, items[work].get("value")); err != nil {
			return nil, err
		}
	}
	if mobile >= 0 {
		if u.MobilePhone, err = readString(`phoneNumbers[type eq "mobile"].value`, items[mobile].get("value")); err != nil {
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
		if u.WorkAddress, err = readString(`addresses[type eq "work"].formatted`, items[work].get("formatted")); err != nil {
			return nil, err
		}
		// Freshservice holds one address line; the structured parts have nowhere to go.
		for _, kv := range entries(items[work].attrs) {
			switch strings.ToLower(kv.key) {
			case "formatted", "type", "primary":
			default:
				if !CarriesNothing(kv.value) {
					ignored = append(ignored, `addresses[type eq "work"].`+kv.key)
				}
			}
		}
	}
	return ignored, nil
}

func readBodyEnterprise(u *User, set *FieldSet, kv entry) ([]string, error) {
	var err error
	switch strings.ToLower(kv.key) {
	case "department":
		u.Department, err = readString(SchemaEnterprise+":department", kv.value)
		set.Add(FieldDepartment)
	case "manager":
		// An object without a value names no manager: the user has none.
		u.ManagerID, _, err = readManager(SchemaEnterprise+":manager", kv.value)
		set.Add(FieldManager)
	default:
		return readBodyKept(u, SchemaEnterprise, kv)
	}
	return nil, err
}

func readBodyExtension(u *User, set *FieldSet, kv entry, opts Options) ([]string, error) {
	var err error
	switch strings.ToLower(kv.key) {
	case "isagent":
		var agent, present bool
		agent, present, u.AgentText, err = readAgentFlag(SchemaFreshservice+":isAgent", kv.value)
		if present {
			u.IsAgent = &agent
			set.Add(FieldIsAgent)
		}
	case "location":
		u.Location, err = readString(SchemaFreshservice+":location", kv.value)
		u.EnterpriseLocation = opts.LocationAsEnterprise
		set.Add(FieldLocation)
	default:
		name, _, ok := opts.customAttribute(kv.key)
		if !ok {
			if !CarriesNothing(kv.value) {
				return []string{SchemaFreshservice + ":" + kv.key}, nil
			}
			return nil, nil
		}
		var v any
		if kv.value != nil {
			if v, err = readString(SchemaFreshservice+":"+kv.key, kv.value); err != nil {
				return nil, err
			}
		}
		if u.Custom == nil {
			u.Custom = make(map[string]any)
		}
		u.Custom[name] = v
		set.Add(FieldCustom)
	}
	return nil, err
}

// multiValue is one value of a multi-valued attribute.
type multiValue struct {
	attrs   map[string]any
	typ     string // lower-cased
	primary bool
}

func (e multiValue) get(name string) any {
	v, _ := Lookup(e.attrs, name)
	return v
}

// readMultiValued reads a multi-valued complex attribute. type and primary only choose a value; an
// odd one makes the value untyped or not primary rather than failing the whole request.
func readMultiValued(attr string, v any) ([]multiValue, error) {
	objs, err := objectList(attr, v)
	if err != nil {
		return nil, err
	}
	items := make([]multiValue, 0, len(objs))
	for _, obj := range objs {
		it := multiValue{attrs: obj}
		if typ, ok := Lookup(obj, "type"); ok {
			s, _ := typ.(string)
			it.typ = strings.ToLower(strings.TrimSpace(s))
		}
		if primary, ok := Lookup(obj, "primary"); ok {
			it.primary, _ = primary.(bool)
		}
		items = append(items, it)
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
		if CarriesNothing(it.get("value")) && CarriesNothing(it.get("formatted")) {
			continue
		}
		out = append(out, fmt.Sprintf("%s[type eq %q]", attr, it.typ))
	}
	return out
}
