package freshservicetest

import (
	"encoding/json"

	"github.com/fsscim/fsscim/freshservice"
)

func (l *locationRecord) meta() recordMeta {
	return recordMeta{&l.ID, &l.Name, &l.CreatedAt, &l.UpdatedAt}
}

func (l *locationRecord) clone() *locationRecord {
	c := *l
	if l.Address != nil {
		a := *l.Address
		c.Address = &a
	}
	return &c
}

// locations are the locations routes; deleting one clears every reference to it, from users and
// from child locations.
func locations() collection[locationRecord, *locationRecord] {
	c := newCollection("locations", func(s *state) map[int64]*locationRecord { return s.locations })
	c.forget = func(s *state, id int64) {
		for _, u := range s.users {
			clearRef(&u.locationID, id)
		}
		for _, l := range s.locations {
			clearRef(&l.ParentLocationID, id)
		}
	}
	return c
}

func (l *locationRecord) fields() map[string]any {
	addr := freshservice.LocationAddress{}
	if l.Address != nil {
		addr = *l.Address
	}
	address := map[string]any{}
	for k, v := range addressFields(&addr) {
		address[k] = nullString(*v)
	}
	return map[string]any{
		"parent_location_id": nullID(int64(l.ParentLocationID)),
		"primary_contact_id": nullID(int64(l.PrimaryContactID)),
		"address":            address,
		"email":              nullString(l.email),
		"phone":              nullString(l.phone),
		"contact_name":       nullString(l.contactName),
	}
}

func (l *locationRecord) set(e *Emulator, key string, raw json.RawMessage) *fieldError {
	switch key {
	case "email":
		return setString(&l.email, key, raw)
	case "phone":
		return setFlex(&l.phone, key, raw)
	case "contact_name":
		return setString(&l.contactName, key, raw)
	case "parent_location_id":
		id, fe := readID(key, raw)
		if _, ok := e.st.locations[id]; fe == nil && id != 0 && (!ok || id == l.ID) {
			fe = invalidValue(key, "It should be the id of another existing location")
		}
		if fe == nil {
			l.ParentLocationID = freshservice.ID(id)
		}
		return fe
	case "primary_contact_id":
		return e.setUserRef(&l.PrimaryContactID, key, raw)
	case "address":
		return setAddress(l, raw)
	}
	return invalidField(key)
}

// setAddress reads the nested address object; null clears it.
func setAddress(l *locationRecord, raw json.RawMessage) *fieldError {
	if isNull(raw) {
		l.Address = nil
		return nil
	}
	obj, fe := readObject("address", raw)
	if fe != nil {
		return fe
	}
	addr := freshservice.LocationAddress{}
	fields := addressFields(&addr)
	for _, k := range obj.keys() {
		dst, ok := fields[k]
		if !ok {
			return invalidField("address." + k)
		}
		if fe := setFlex(dst, "address."+k, obj[k]); fe != nil {
			return fe
		}
	}
	l.Address = &addr
	return nil
}

// addressFields names the fields of a location's address as Freshservice's JSON does.
func addressFields(a *freshservice.LocationAddress) map[string]*string {
	return map[string]*string{"line1": &a.Line1, "line2": &a.Line2, "city": &a.City,
		"state": &a.State, "country": &a.Country, "zipcode": &a.Zipcode}
}
