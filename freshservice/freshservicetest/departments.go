package freshservicetest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

func (e *Emulator) departmentJSON(d *departmentRecord) map[string]any {
	custom := map[string]any{}
	for k, v := range d.CustomField {
		custom[k] = v
	}
	return map[string]any{
		"id":            d.ID,
		"name":          d.Name,
		"description":   nullString(d.Description),
		"head_user_id":  nullID(int64(d.HeadUserID)),
		"prime_user_id": nullID(int64(d.PrimeUserID)),
		"domains":       nonNilStrings(slices.Clone(d.Domains)),
		"custom_fields": custom,
		"created_at":    timestamp(d.CreatedAt),
		"updated_at":    timestamp(d.UpdatedAt),
	}
}

// applyDepartmentBody validates b onto d; names must be unique among departments.
func (e *Emulator) applyDepartmentBody(d *departmentRecord, b body, create bool) []fieldError {
	var errs []fieldError
	for _, key := range b.keys() {
		if fe := e.setDepartmentField(d, key, b[key]); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if _, ok := b["name"]; create && !ok {
		errs = append(errs, *missing("name"))
	}
	return errs
}

func (e *Emulator) setDepartmentField(d *departmentRecord, key string, raw json.RawMessage) *fieldError {
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
		d.Name = s
	case "description":
		return setString(&d.Description, key, raw)
	case "head_user_id", "prime_user_id":
		id, fe := readID(key, raw)
		if fe != nil {
			return fe
		}
		if _, ok := e.st.users[id]; id != 0 && !ok {
			return invalidValue(key, "It should be the id of an existing user")
		}
		if key == "head_user_id" {
			d.HeadUserID = freshservice.ID(id)
		} else {
			d.PrimeUserID = freshservice.ID(id)
		}
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

func departmentName(d *departmentRecord) string { return d.Name }

func (e *Emulator) listDepartments(q *request) response {
	_, p, bad := listQuery(q)
	if bad != nil {
		return *bad
	}
	return pageOf(q, p, "departments", sortedIDs(e.st.departments), func(id int64) map[string]any {
		return e.departmentJSON(e.st.departments[id])
	})
}

func (e *Emulator) getDepartment(q *request) response {
	d, ok := e.st.departments[q.id(0)]
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, map[string]any{"department": e.departmentJSON(d)})
}

func (e *Emulator) createDepartment(q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	d := &departmentRecord{}
	if errs := e.applyDepartmentBody(d, b, true); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.departments, departmentName, d.Name, 0) {
		return duplicate("name")
	}
	now := e.now()
	d.ID, d.CreatedAt, d.UpdatedAt = e.st.newID(), now, now
	e.st.departments[d.ID] = d
	return created(q, "departments", d.ID, map[string]any{"department": e.departmentJSON(d)})
}

func (e *Emulator) updateDepartment(q *request) response {
	cur, ok := e.st.departments[q.id(0)]
	if !ok {
		return notFound()
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	d := &departmentRecord{Department: cur.Department}
	d.Domains = slices.Clone(cur.Domains)
	if errs := e.applyDepartmentBody(d, b, false); len(errs) > 0 {
		return badRequest(errs...)
	}
	if nameTaken(e.st.departments, departmentName, d.Name, d.ID) {
		return duplicate("name")
	}
	d.UpdatedAt = e.now()
	e.st.departments[d.ID] = d
	return jsonResponse(http.StatusOK, map[string]any{"department": e.departmentJSON(d)})
}

// deleteDepartment removes the department and every user's reference to it.
func (e *Emulator) deleteDepartment(q *request) response {
	id := q.id(0)
	if _, ok := e.st.departments[id]; !ok {
		return notFound()
	}
	delete(e.st.departments, id)
	for _, u := range e.st.users {
		u.departmentIDs = without(u.departmentIDs, id)
	}
	return emptyResponse(http.StatusNoContent)
}
