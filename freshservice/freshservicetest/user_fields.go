package freshservicetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// userEndpoint says which API family a user body arrived on; they differ in the email key and in the
// agent-only fields.
type userEndpoint int

const (
	requesterEndpoint userEndpoint = iota
	agentEndpoint
)

func (ep userEndpoint) emailField() string {
	if ep == agentEndpoint {
		return "email"
	}
	return "primary_email"
}

// keyClass is how Freshservice treats a key in a write body.
type keyClass int

const (
	keyWritable keyClass = iota
	keyReadOnly
	keyDeprecated
	keyUnknown
)

func classifyUserKey(ep userEndpoint, key string) keyClass {
	switch key {
	case "id", "active", "is_agent", "has_logged_in", "created_at", "updated_at", "department_names",
		"location_name", "last_login_at", "last_active_at", "member_of_pending_approval",
		"observer_of_pending_approval":
		return keyReadOnly
	case "first_name", "last_name", "job_title", "work_phone_number", "mobile_phone_number",
		"department_ids", "can_see_all_tickets_from_associated_departments", "reporting_manager_id",
		"address", "time_zone", "time_format", "language", "location_id", "background_information",
		"custom_fields", "external_id":
		return keyWritable
	}
	if ep == requesterEndpoint {
		switch key {
		case "primary_email", "secondary_emails":
			return keyWritable
		}
		return keyUnknown
	}
	switch key {
	case "email", "occasional", "roles", "member_of", "observer_of", "scoreboard_level_id", "signature",
		"workspace_ids":
		return keyWritable
	case "role_ids", "group_ids", "scopes", "ticket_scope", "problem_scope", "change_scope",
		"release_scope", "asset_scope", "solution_scope", "contract_scope":
		return keyDeprecated
	}
	return keyUnknown
}

// userWrite is a validated user body: the record as it will be stored, and agent-group changes that
// live on the groups rather than on the user.
type userWrite struct {
	u          *userRecord
	memberOf   *[]int64
	observerOf *[]int64
}

// applyUserBody validates b and applies it to u (a fresh record or a clone of the stored one). It
// returns every problem found; on problems u must be thrown away.
func (e *Emulator) applyUserBody(ep userEndpoint, u *userRecord, b body, create bool) (userWrite, []fieldError) {
	w := userWrite{u: u}
	var errs []fieldError
	add := func(fe *fieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	// The documented gotcha: every PUT that does not say true turns this back off.
	u.canSeeAllTickets = false
	for _, key := range b.keys() {
		raw := b[key]
		switch classifyUserKey(ep, key) {
		case keyReadOnly:
			add(readonlyField(key))
			continue
		case keyDeprecated:
			add(&fieldError{Field: key, Message: "This attribute has been deprecated", Code: codeInvalidField})
			continue
		case keyUnknown:
			add(invalidField(key))
			continue
		}
		add(e.setUserField(ep, &w, key, raw))
	}

	has := func(k string) bool { _, ok := b[k]; return ok }
	if create && !has("first_name") {
		add(missing("first_name"))
	}
	emailKey := ep.emailField()
	failed := func(field string) bool {
		return slices.ContainsFunc(errs, func(fe fieldError) bool { return fe.Field == field })
	}
	switch ep {
	case requesterEndpoint:
		if u.email == "" && u.workPhone == "" && u.mobilePhone == "" && !failed(emailKey) {
			add(&fieldError{Field: emailKey, Message: "Please specify at least one of primary_email, work_phone_number, mobile_phone_number", Code: codeMissingField})
		}
	case agentEndpoint:
		if create && !has("email") {
			add(missing("email"))
		}
		if create && !has("roles") {
			add(missing("roles"))
		}
	}
	if u.email != "" && slices.ContainsFunc(u.secondaryEmails, func(s string) bool { return strings.EqualFold(s, u.email) }) {
		add(invalidValue("secondary_emails", "A secondary email cannot be the same as the primary email"))
	}
	return w, errs
}

// userTextFields are the user keys that take any text or null; those read with readFlexString take a
// number too, kept as its text.
var userTextFields = map[string]struct {
	field func(*userRecord) *string
	read  func(string, json.RawMessage) (string, *fieldError)
}{
	"last_name":              {func(u *userRecord) *string { return &u.lastName }, readString},
	"job_title":              {func(u *userRecord) *string { return &u.jobTitle }, readString},
	"address":                {func(u *userRecord) *string { return &u.address }, readString},
	"background_information": {func(u *userRecord) *string { return &u.background }, readString},
	"signature":              {func(u *userRecord) *string { return &u.signature }, readString},
	"work_phone_number":      {func(u *userRecord) *string { return &u.workPhone }, readFlexString},
	"mobile_phone_number":    {func(u *userRecord) *string { return &u.mobilePhone }, readFlexString},
	"external_id":            {func(u *userRecord) *string { return &u.externalID }, readFlexString},
}

// setUserField applies one writable key.
func (e *Emulator) setUserField(ep userEndpoint, w *userWrite, key string, raw json.RawMessage) *fieldError {
	u := w.u
	if f, ok := userTextFields[key]; ok {
		return setValid(f.field(u), key, raw, f.read, nil)
	}
	switch key {
	case "first_name":
		return setName(&u.firstName, key, raw)
	case "primary_email", "email":
		s, fe := readString(key, raw)
		switch {
		case fe != nil:
			return fe
		case s == "" && ep == agentEndpoint:
			return missing(key)
		case s != "" && !validEmail(s):
			return invalidValue(key, "It should be in the 'valid email address' format")
		}
		u.email = s
	case "secondary_emails":
		list, fe := readStringList(key, raw)
		if fe != nil {
			return fe
		}
		var out []string
		for _, s := range list {
			if !validEmail(s) {
				return invalidValue(key, "It should contain elements that are in the 'valid email address' format")
			}
			if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, s) }) {
				out = append(out, s)
			}
		}
		u.secondaryEmails = out
	case "department_ids":
		return setValid(&u.departmentIDs, key, raw, readIDList, func(ids []int64) *fieldError {
			return refUnknown(ids, e.st.departments, key, "There is no department with id %d")
		})
	case "reporting_manager_id":
		return setValid(&u.managerID, key, raw, readID, func(id int64) *fieldError {
			if _, ok := e.st.users[id]; id != 0 && (!ok || id == u.id) {
				return invalidValue(key, "It should be the id of an existing user other than this one")
			}
			return nil
		})
	case "location_id":
		return setValid(&u.locationID, key, raw, readID, func(id int64) *fieldError {
			return refUnknown([]int64{id}, e.st.locations, key, "There is no location with id %d")
		})
	case "time_zone":
		return setValid(&u.timeZone, key, raw, readString, func(s string) *fieldError {
			return refuseIf(s != "" && !validTimeZone(s), key, "It should be one of the supported time zone names")
		})
	case "time_format":
		return setValid(&u.timeFormat, key, raw, readDefault(defaultTimeFormat), func(s string) *fieldError {
			return refuseIf(s != "12h" && s != "24h", key, "It should be one of these values: '12h,24h'")
		})
	case "language":
		return setValid(&u.lang, key, raw, readDefault(defaultLanguage), func(s string) *fieldError {
			return refuseIf(!validLanguage(s), key, "It should be one of the supported language codes")
		})
	case "can_see_all_tickets_from_associated_departments":
		return setValid(&u.canSeeAllTickets, key, raw, readBool, nil)
	case "occasional":
		return setValid(&u.occasional, key, raw, readBool, nil)
	case "scoreboard_level_id":
		return setValid(&u.scoreboardLevel, key, raw, readID, func(v int64) *fieldError {
			return refuseIf(v > 6, key, "It should be one of these values: '1,2,3,4,5,6'")
		})
	case "custom_fields":
		return e.setCustomFields(u, raw)
	case "roles":
		roles, fe := e.readRoles(key, raw)
		if fe != nil {
			return fe
		}
		u.roles = roles
	case "member_of", "observer_of":
		ids, fe := readIDList(key, raw)
		if fe == nil {
			fe = refUnknown(ids, e.st.agentGroups, key, "There is no agent group with id %d")
		}
		if fe != nil {
			return fe
		}
		if key == "member_of" {
			w.memberOf = &ids
		} else {
			w.observerOf = &ids
		}
	case "workspace_ids":
		// Accepted for compatibility; the emulated account has a single workspace.
		_, fe := readIDList(key, raw)
		return fe
	}
	return nil
}

func setString(dst *string, key string, raw json.RawMessage) *fieldError {
	return setValid(dst, key, raw, readString, nil)
}

func setFlex(dst *string, key string, raw json.RawMessage) *fieldError {
	return setValid(dst, key, raw, readFlexString, nil)
}

// setValid reads key's value with read, lets valid (when set) refuse it, and stores it in dst only
// when both accept it.
func setValid[T any](dst *T, key string, raw json.RawMessage, read func(string, json.RawMessage) (T, *fieldError), valid func(T) *fieldError) *fieldError {
	v, fe := read(key, raw)
	if fe == nil && valid != nil {
		fe = valid(v)
	}
	if fe == nil {
		*dst = v
	}
	return fe
}

// readDefault reads a string field whose empty value stands for def.
func readDefault(def string) func(string, json.RawMessage) (string, *fieldError) {
	return func(key string, raw json.RawMessage) (string, *fieldError) {
		s, fe := readString(key, raw)
		if s == "" {
			s = def
		}
		return s, fe
	}
}

// refuseIf is the invalid-value refusal of key when bad holds.
func refuseIf(bad bool, key, message string) *fieldError {
	if bad {
		return invalidValue(key, message)
	}
	return nil
}

// refUnknown refuses the first non-zero id that existing does not hold; message formats the id.
func refUnknown[V any](ids []int64, existing map[int64]V, key, message string) *fieldError {
	for _, id := range ids {
		if _, ok := existing[id]; id != 0 && !ok {
			return invalidValue(key, fmt.Sprintf(message, id))
		}
	}
	return nil
}

// setCustomFields merges the given custom fields into the user's, checking each against the
// account's configuration. Errors name the custom field.
func (e *Emulator) setCustomFields(u *userRecord, raw json.RawMessage) *fieldError {
	obj, fe := readObject("custom_fields", raw)
	if fe != nil {
		return fe
	}
	merged := map[string]any{}
	for k, v := range u.customFields {
		merged[k] = v
	}
	for _, name := range obj.keys() {
		i := slices.IndexFunc(e.opts.CustomFields, func(cf CustomField) bool { return cf.Name == name })
		if i < 0 {
			return invalidField(name)
		}
		v, fe := customValue(e.opts.CustomFields[i], obj[name])
		if fe != nil {
			return fe
		}
		if v == nil {
			delete(merged, name)
		} else {
			merged[name] = v
		}
	}
	u.customFields = merged
	return nil
}

func customValue(cf CustomField, raw json.RawMessage) (any, *fieldError) {
	if isNull(raw) {
		return nil, nil
	}
	switch cf.Type {
	case CustomNumber:
		return readInt(cf.Name, raw)
	case CustomCheckbox:
		return readBool(cf.Name, raw)
	case CustomDate:
		s, fe := readString(cf.Name, raw)
		if fe != nil {
			return nil, fe
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, invalidValue(cf.Name, "It should be in the 'yyyy-mm-dd' format")
		}
		return s, nil
	case CustomDropdown:
		s, fe := readString(cf.Name, raw)
		if fe != nil {
			return nil, fe
		}
		if !slices.Contains(cf.Choices, s) {
			return nil, invalidValue(cf.Name, "It should be one of the choice value.")
		}
		return s, nil
	default:
		s, fe := readString(cf.Name, raw)
		if fe != nil {
			return nil, fe
		}
		return s, nil
	}
}

// readRoles checks an agent's roles: at least one, each with a role id and a known scope, and groups
// (existing agent groups) when the scope is specified_groups.
func (e *Emulator) readRoles(key string, raw json.RawMessage) ([]freshservice.Role, *fieldError) {
	items, fe := readArray(key, raw)
	if fe != nil {
		return nil, fe
	}
	if len(items) == 0 {
		return nil, missing(key)
	}
	roles := make([]freshservice.Role, 0, len(items))
	for _, it := range items {
		obj, fe := readObject(key, it)
		if fe != nil {
			return nil, fe
		}
		var r freshservice.Role
		for _, k := range obj.keys() {
			switch k {
			case "role_id":
				id, fe := readID(key, obj[k])
				if fe != nil {
					return nil, fe
				}
				r.RoleID = id
			case "assignment_scope":
				s, fe := readString(key, obj[k])
				if fe != nil {
					return nil, fe
				}
				r.AssignmentScope = s
			case "groups":
				ids, fe := readIDList(key, obj[k])
				if fe != nil {
					return nil, fe
				}
				for _, id := range ids {
					if _, ok := e.st.agentGroups[id]; !ok {
						return nil, invalidValue(key, fmt.Sprintf("There is no agent group with id %d", id))
					}
				}
				r.Groups = ids
			default:
				return nil, invalidField(key + "." + k)
			}
		}
		switch {
		case r.RoleID == 0:
			return nil, &fieldError{Field: key, Message: "role_id is mandatory for each role", Code: codeMissingField}
		case !slices.Contains([]string{"entire_helpdesk", "member_groups", "specified_groups", "assigned_items"}, r.AssignmentScope):
			return nil, invalidValue(key, "assignment_scope should be one of entire_helpdesk, member_groups, specified_groups, assigned_items")
		case r.AssignmentScope == "specified_groups" && len(r.Groups) == 0:
			return nil, &fieldError{Field: key, Message: "groups is mandatory when assignment_scope is specified_groups", Code: codeMissingField}
		}
		roles = append(roles, r)
	}
	return roles, nil
}

// emailConflict finds another user already holding one of u's addresses; it names the field to report.
func (s *state) emailConflict(ep userEndpoint, u *userRecord) (string, bool) {
	if u.email != "" {
		if o, ok := s.emailOwner(u.email); ok && o.id != u.id {
			return ep.emailField(), true
		}
	}
	for _, se := range u.secondaryEmails {
		if o, ok := s.emailOwner(se); ok && o.id != u.id {
			return "secondary_emails", true
		}
	}
	return "", false
}
