package freshservicetest

import (
	"encoding/json"
	"slices"

	"github.com/fsscim/fsscim/freshservice"
)

func (d *departmentRecord) meta() recordMeta {
	return recordMeta{&d.ID, &d.Name, &d.CreatedAt, &d.UpdatedAt}
}

func (d *departmentRecord) clone() *departmentRecord {
	c := &departmentRecord{Department: d.Department}
	c.Domains = slices.Clone(d.Domains)
	return c
}

// departments are the departments routes; deleting one clears every user's reference to it.
func departments() collection[departmentRecord, *departmentRecord] {
	c := newCollection("departments", func(s *state) map[int64]*departmentRecord { return s.departments })
	c.forget = func(s *state, id int64) {
		for _, u := range s.users {
			u.departmentIDs = without(u.departmentIDs, id)
		}
	}
	return c
}

func (d *departmentRecord) fields() map[string]any {
	custom := map[string]any{}
	for k, v := range d.CustomField {
		custom[k] = v
	}
	return map[string]any{
		"description":   nullString(d.Description),
		"head_user_id":  nullID(int64(d.HeadUserID)),
		"prime_user_id": nullID(int64(d.PrimeUserID)),
		"domains":       nonNilStrings(slices.Clone(d.Domains)),
		"custom_fields": custom,
	}
}

func (d *departmentRecord) set(e *Emulator, key string, raw json.RawMessage) *fieldError {
	switch key {
	case "description":
		return setString(&d.Description, key, raw)
	case "head_user_id":
		return e.setUserRef(&d.HeadUserID, key, raw)
	case "prime_user_id":
		return e.setUserRef(&d.PrimeUserID, key, raw)
	case "domains":
		list, fe := readStringList(key, raw)
		if fe != nil {
			return fe
		}
		d.Domains = list
	case "custom_fields":
		obj, fe := readObject(key, raw)
		if fe != nil {
			return fe
		}
		d.CustomField = map[string]any{}
		for k, v := range obj {
			var val any
			_ = json.Unmarshal(v, &val)
			d.CustomField[k] = val
		}
	default:
		return invalidField(key)
	}
	return nil
}

// setUserRef sets a reference to a user, which must exist; 0 or null clears it.
func (e *Emulator) setUserRef(dst *freshservice.ID, key string, raw json.RawMessage) *fieldError {
	id, fe := readID(key, raw)
	if _, ok := e.st.users[id]; fe == nil && id != 0 && !ok {
		fe = invalidValue(key, "It should be the id of an existing user")
	}
	if fe == nil {
		*dst = freshservice.ID(id)
	}
	return fe
}
