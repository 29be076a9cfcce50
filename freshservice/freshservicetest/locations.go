package freshservicetest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

func (e *Emulator) locationJSON(l *locationRecord) map[string]any {
	addr := freshservice.LocationAddress{}
	if l.Address != nil {
		addr = *l.Address
	}
	return map[string]any{
		"id":                 l.ID,
		"name":               l.Name,
		"parent_location_id": nullID(int64(l.ParentLocationID)),
		"primary_contact_id": nullID(int64(l.PrimaryContactID)),
		"address": map[string]any{
			"line1":   nullString(addr.Line1),
			"line2":   nullString(addr.Line2),
			"city":    nullString(addr.City),
			"state":   nullString(addr.State),
			"country": nullString(addr.Country),
			"zipcode": nullString(addr.Zipcode),
		},
		"email":        nullString(l.email),
		"phone":        nullString(l.phone),
		"contact_name": nullString(l.contactName),
		"created_at":   timestamp(l.CreatedAt),
		"updated_at":   timestamp(l.UpdatedAt),
	}
}

func (e *Emulator) applyLocationBody(l *locationRecord, b body, create bool) []fieldError {
	var errs []fieldError
	for _, key := range b.keys() {
		if fe := e.setLocationField(l, key, b[key]); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if _, ok := b["name"]; create && !ok {
		errs = append(errs, *missing("name"))
	}
	return errs
}

func (e *Emulator) setLocationField(l *locationRecord, key string, raw json.RawMessage) *fieldError {
	switch key {
	case "id", "created_at", "updated_at":
		return readonlyField(key)
	case "name":
		s, fe := readString(key, raw)
		if fe != nil {
			return fe
		}
		if strings.TrimSpace(s) == "" {
			return missing(key)
		}
		l.Name = s
	case "email":
		return setString(&l.email, key, raw)
	case "phone":
		return setFlex(&l.phone, key, raw)
	case "contact_name":
		return setString(&l.contactName, key, raw)
	case "parent_location_id":
		id, fe := readID(key, raw)
		if fe != nil {
			return fe
		}
		if _, ok := e.st.locations[id]; id != 0 && (!ok || id == l.ID) {
			return invalidValue(key, "It should be the id of another existing location")
		}
		l.ParentLocationID = freshservice.ID(id)
	case "primary_contact_id":
		id, fe := readID(key, raw)
		if fe != nil {
			return fe
		}
		if _, ok := e.st.users[id]; id != 0 && !ok {
			return invalidValue(key, "It should be the id of an existing user")
		}
		l.PrimaryContactID = freshservice.ID(id)
	case "address":
		return setAddress(l, raw)
	default:
		return invalidField(key)
	}
	return nil
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
	for _, k := range obj.keys() {
		var dst *string
		switch k {
		case "line1":
			dst = &addr.Line1
		case "line2":
			dst = &addr.Line2
		case "city":
			dst = &addr.City
		case "state":
			dst = &addr.State
		case "country":
			dst = &addr.Country
		case "zipcode":
			dst = &addr.Zipcode
		default:
			return invalidField("address." + k)
		}
		if fe := setFlex(dst, "address."+k, obj[k]); fe != nil {
			return fe
		}
	}
	l.Address = &addr
	return nil
}

func locationName(l *locationRecord) string { return l.Name }

func (e *Emulator) listLocations(q *request) response {
	_, p, bad := listQuery(q)
	if bad != nil {
		return *bad
	}
	return pageOf(q, p, "locations", sortedIDs(e.st.locations), func(id int64) map[string]any {
		return e.locationJSON(e.st.locations[id])
	})
}

func (e *Emulator) getLocation(q *request) response {
	l, ok := e.st.locations[q.id(0)]
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, map[string]any{"location": e.locationJSON(l)})
}

func (e *Emulator) createLocation(q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	l := &locationRecord{}
	if errs := e.applyLocationBody(l, b, true); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.locations, locationName, l.Name, 0) {
		return duplicate("name")
	}
	now := e.now()
	l.ID, l.CreatedAt, l.UpdatedAt = e.st.newID(), now, now
	e.st.locations[l.ID] = l
	return created(q, "locations", l.ID, map[string]any{"location": e.locationJSON(l)})
}

func (e *Emulator) updateLocation(q *request) response {
	cur, ok := e.st.locations[q.id(0)]
	if !ok {
		return notFound()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	l := &locationRecord{}
	*l = *cur
	if cur.Address != nil {
		a := *cur.Address
		l.Address = &a
	}
	if errs := e.applyLocationBody(l, b, false); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.locations, locationName, l.Name, l.ID) {
		return duplicate("name")
	}
	l.UpdatedAt = e.now()
	e.st.locations[l.ID] = l
	return jsonResponse(http.StatusOK, map[string]any{"location": e.locationJSON(l)})
}

// deleteLocation removes the location and every reference to it.
func (e *Emulator) deleteLocation(q *request) response {
	id := q.id(0)
	if _, ok := e.st.locations[id]; !ok {
		return notFound()
	}
	delete(e.st.locations, id)
	for _, u := range e.st.users {
		if u.locationID == id {
			u.locationID = 0
		}
	}
	for _, l := range e.st.locations {
		if int64(l.ParentLocationID) == id {
			l.ParentLocationID = 0
		}
	}
	return emptyResponse(http.StatusNoContent)
}
