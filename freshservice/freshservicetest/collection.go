package freshservicetest

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"time"
)

// record is what a stored directory object (department, location, agent or requester group) gives the
// shared list, get, create, update and delete handlers.
type record[T any] interface {
	*T
	meta() recordMeta
	// clone is the copy an update edits, so a refused update leaves the stored record untouched.
	clone() *T
	// fields are the object's own fields as Freshservice answers them, beside the id, name and times
	// that every object has.
	fields() map[string]any
	// set applies one key of a body, any but the id, times and name that the collection applies.
	set(e *Emulator, key string, raw json.RawMessage) *fieldError
}

// recordMeta points at the fields every stored object has.
type recordMeta struct {
	id               *int64
	name             *string
	created, updated *time.Time
}

func recordName[P interface{ meta() recordMeta }](r P) string { return *r.meta().name }

// collection is one Freshservice object type kept by id, with names unique case-insensitively.
type collection[T any, P record[T]] struct {
	path       string   // the URL path and list key, e.g. "departments"
	listParams []string // query parameters the list accepts besides paging
	items      func(*state) map[int64]P
	fresh      func() P            // a record for a create to fill (optional: a zero T)
	guard      func(P) *response   // refuses an update before its body is read (optional)
	forget     func(*state, int64) // drops the references to a deleted object (optional)
	untimed    bool                // Freshservice answers the object without created_at and updated_at
}

// newCollection is the collection served at path and kept in items; the optional parts are left
// for the caller to set.
func newCollection[T any, P record[T]](path string, items func(*state) map[int64]P) collection[T, P] {
	return collection[T, P]{path: path, items: items}
}

// wrap is r under the key of a single object, the path's singular (e.g. "department"): every
// collection's path is a plural ending in "s".
func (c collection[T, P]) wrap(r P) map[string]any {
	return map[string]any{strings.TrimSuffix(c.path, "s"): c.render(r)}
}

// render is r as Freshservice answers it: the fields every object has, then its own.
func (c collection[T, P]) render(r P) map[string]any {
	meta := r.meta()
	m := map[string]any{"id": *meta.id, "name": *meta.name}
	if !c.untimed {
		m["created_at"] = timestamp(*meta.created)
		m["updated_at"] = timestamp(*meta.updated)
	}
	maps.Copy(m, r.fields())
	return m
}

func (c collection[T, P]) newRecord() P {
	if c.fresh == nil {
		return new(T)
	}
	return c.fresh()
}

// apply validates b onto r field by field, collecting every refusal as Freshservice does.
func (c collection[T, P]) apply(e *Emulator, r P, b body, create bool) []fieldError {
	var errs []fieldError
	for _, key := range b.keys() {
		if fe := c.setField(e, r, key, b[key]); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if _, ok := b["name"]; create && !ok {
		errs = append(errs, *missing("name"))
	}
	return errs
}

// setField applies one key: the id and times are read-only and the name required on every object;
// the type's own keys go to c.set.
func (c collection[T, P]) setField(e *Emulator, r P, key string, raw json.RawMessage) *fieldError {
	switch key {
	case "id", "created_at", "updated_at":
		return readonlyField(key)
	case "name":
		return setName(r.meta().name, key, raw)
	}
	return r.set(e, key, raw)
}

func (c collection[T, P]) list(e *Emulator, q *request) response {
	_, p, bad := listQuery(q, c.listParams...)
	if bad != nil {
		return *bad
	}
	m := c.items(e.st)
	return pageOf(q, p, c.path, sortedIDs(m), func(id int64) map[string]any { return c.render(m[id]) })
}

func (c collection[T, P]) get(e *Emulator, q *request) response {
	r, ok := c.items(e.st)[q.id(0)]
	if !ok {
		return notFound()
	}
	return jsonResponse(http.StatusOK, c.wrap(r))
}

func (c collection[T, P]) create(e *Emulator, q *request) response {
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	r := c.newRecord()
	if errs := c.apply(e, r, b, true); len(errs) > 0 {
		return badRequest(errs...)
	}
	m := c.items(e.st)
	if nameTaken(m, recordName[P], recordName(r), 0) {
		return duplicate("name")
	}
	c.insert(e, r)
	return created(q, c.path, *r.meta().id, c.wrap(r))
}

// insert stores a new object under a new id, created now.
func (c collection[T, P]) insert(e *Emulator, r P) {
	meta, now := r.meta(), e.now()
	*meta.id, *meta.created, *meta.updated = e.st.newID(), now, now
	c.items(e.st)[*meta.id] = r
}

func (c collection[T, P]) update(e *Emulator, q *request) response {
	m := c.items(e.st)
	cur, ok := m[q.id(0)]
	if !ok {
		return notFound()
	}
	if c.guard != nil {
		if refused := c.guard(cur); refused != nil {
			return *refused
		}
	}
	b, fe := parseBody(q.raw)
	if fe != nil {
		return badRequest(*fe)
	}
	r := P(cur.clone())
	if errs := c.apply(e, r, b, false); len(errs) > 0 {
		return badRequest(errs...)
	}
	meta := r.meta()
	if nameTaken(m, recordName[P], *meta.name, *meta.id) {
		return duplicate("name")
	}
	*meta.updated = e.now()
	m[*meta.id] = r
	return jsonResponse(http.StatusOK, c.wrap(r))
}

func (c collection[T, P]) remove(e *Emulator, q *request) response {
	id := q.id(0)
	m := c.items(e.st)
	if _, ok := m[id]; !ok {
		return notFound()
	}
	delete(m, id)
	if c.forget != nil {
		c.forget(e.st, id)
	}
	return emptyResponse(http.StatusNoContent)
}

// routes lists the five routes of the collection; writes need an admin key.
func (c collection[T, P]) routes() []route {
	return []route{
		newRoute(http.MethodGet, c.path, false, c.list),
		newRoute(http.MethodPost, c.path, true, c.create),
		newRoute(http.MethodGet, c.path+"/{id}", false, c.get),
		newRoute(http.MethodPut, c.path+"/{id}", true, c.update),
		newRoute(http.MethodDelete, c.path+"/{id}", true, c.remove),
	}
}

// setName sets a required, non-blank name.
func setName(dst *string, key string, raw json.RawMessage) *fieldError {
	s, fe := readString(key, raw)
	if fe != nil {
		return fe
	}
	if strings.TrimSpace(s) == "" {
		return missing(key)
	}
	*dst = s
	return nil
}
