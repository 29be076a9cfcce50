package proxy

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// projection is what a request asked the answer to hold (RFC 7644 §3.9): only the attributes named
// in attributes, or all but those in excludedAttributes. id and schemas are always returned.
type projection struct {
	attributes []string
	excluded   []string
}

// alwaysReturned are the attributes no projection removes.
var alwaysReturned = map[string]bool{"id": true, "schemas": true}

// splitPaths reads a comma-separated list of attribute paths.
func splitPaths(raw string) []string {
	var out []string
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// projectionOf is the projection a request asked for: from its POST /.search body when it is a
// search, else from its query parameters.
func projectionOf(r *http.Request) projection {
	if p := requestScope(r).projection; p != nil {
		return *p
	}
	q := r.URL.Query()
	return projection{attributes: splitPaths(q.Get("attributes")), excluded: splitPaths(q.Get("excludedAttributes"))}
}

// wants reports whether the answer carries the top-level core attribute name (such as members),
// so that what is not returned is not read.
func (p projection) wants(name string) bool {
	matches := func(paths []string) bool {
		for _, raw := range paths {
			path := parseAttrPath(raw, resourceType{})
			if path.urn == "" && strings.EqualFold(path.name, name) && path.sub == "" {
				return true
			}
		}
		return false
	}
	if matches(p.excluded) {
		return false
	}
	if len(p.attributes) > 0 {
		for _, raw := range p.attributes {
			if path := parseAttrPath(raw, resourceType{}); path.urn == "" && strings.EqualFold(path.name, name) {
				return true
			}
		}
		return false
	}
	return true
}

// attrPath is an attribute path of a projection: an optional schema URN, an attribute (empty when
// the path names a whole extension) and an optional sub-attribute.
type attrPath struct {
	urn, name, sub string
}

// parseAttrPath reads [URN ":"] name ["." sub], or a schema URN of rt alone (its whole extension). A
// value filter some clients put in the path (emails[type eq "work"]) is not part of RFC 7644's
// attribute paths: the attribute is taken whole.
func parseAttrPath(raw string, rt resourceType) attrPath {
	if i := strings.IndexByte(raw, '['); i >= 0 {
		if j := strings.LastIndexByte(raw, ']'); j > i {
			raw = raw[:i] + raw[j+1:]
		} else {
			raw = raw[:i]
		}
	}
	for _, ext := range rt.extensions {
		if strings.EqualFold(raw, ext.ID) {
			return attrPath{urn: ext.ID}
		}
	}
	var p attrPath
	if strings.HasPrefix(strings.ToLower(raw), "urn:") {
		i := strings.LastIndexByte(raw, ':')
		p.urn, raw = raw[:i], raw[i+1:]
	}
	p.name, p.sub, _ = strings.Cut(raw, ".")
	return p
}

// apply cuts a resource body (as rt.body makes it) down to the projection.
func (p projection) apply(body map[string]any, rt resourceType) map[string]any {
	if len(p.attributes) == 0 && len(p.excluded) == 0 {
		return body
	}
	out := body
	if len(p.attributes) > 0 {
		out = make(map[string]any, len(p.attributes)+2)
		for k := range alwaysReturned {
			if v, ok := body[k]; ok {
				out[k] = v
			}
		}
		for _, raw := range p.attributes {
			copyPath(out, body, parseAttrPath(raw, rt), rt)
		}
	}
	for _, raw := range p.excluded {
		removePath(out, parseAttrPath(raw, rt), rt)
	}
	return out
}

// keyFold finds a key of m ignoring case.
func keyFold(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// container is the object a path's attribute lives in: the body for the core schema, an
// extension's object for an extension URN, and for a name without URN the body or, when the body
// has no such attribute, the extension that has it. The returned key names the container in the
// body ("" for the body itself).
func container(body map[string]any, p attrPath, rt resourceType) (map[string]any, string) {
	if p.urn == "" || strings.EqualFold(p.urn, rt.core.ID) {
		if p.urn != "" || p.name == "" {
			return body, ""
		}
		if _, ok := keyFold(body, p.name); ok {
			return body, ""
		}
		for _, ext := range rt.extensions {
			if obj, ok := body[ext.ID].(map[string]any); ok {
				if _, ok := keyFold(obj, p.name); ok {
					return obj, ext.ID
				}
			}
		}
		return body, ""
	}
	for _, ext := range rt.extensions {
		if strings.EqualFold(ext.ID, p.urn) {
			obj, _ := body[ext.ID].(map[string]any)
			return obj, ext.ID
		}
	}
	return nil, ""
}

// locate finds the attribute a path names: its container and the container's key (see container),
// and the attribute's key as the body spells it; ok is false when the body has no such attribute.
func locate(body map[string]any, p attrPath, rt resourceType) (from map[string]any, extKey, key string, ok bool) {
	from, extKey = container(body, p, rt)
	if from == nil {
		return nil, "", "", false
	}
	key, ok = keyFold(from, p.name)
	return from, extKey, key, ok
}

// copyPath copies what path names from src into dst.
func copyPath(dst, src map[string]any, p attrPath, rt resourceType) {
	if p.name == "" {
		// A whole extension.
		for _, ext := range rt.extensions {
			if strings.EqualFold(ext.ID, p.urn) {
				if v, ok := src[ext.ID]; ok {
					dst[ext.ID] = v
				}
			}
		}
		return
	}
	from, extKey, key, ok := locate(src, p, rt)
	if !ok {
		return
	}
	to := dst
	if extKey != "" {
		sub, _ := dst[extKey].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			dst[extKey] = sub
		}
		to = sub
	}
	v := from[key]
	if p.sub == "" {
		to[key] = v
		return
	}
	switch x := v.(type) {
	case map[string]any:
		have, _ := to[key].(map[string]any)
		if have == nil {
			have = map[string]any{}
		}
		if sk, ok := keyFold(x, p.sub); ok {
			have[sk] = x[sk]
		}
		if len(have) > 0 {
			to[key] = have
		}
	case []any:
		have, _ := to[key].([]any)
		out := make([]any, len(x))
		for i, el := range x {
			obj, _ := el.(map[string]any)
			kept := map[string]any{}
			if i < len(have) {
				if prev, ok := have[i].(map[string]any); ok {
					kept = prev
				}
			}
			if sk, ok := keyFold(obj, p.sub); ok {
				kept[sk] = obj[sk]
			}
			out[i] = kept
		}
		to[key] = out
	}
}

// removePath removes what path names from body (never id or schemas). A body shared with others is
// not changed in place: objects on the way are copied.
func removePath(body map[string]any, p attrPath, rt resourceType) {
	if p.name == "" {
		for _, ext := range rt.extensions {
			if strings.EqualFold(ext.ID, p.urn) {
				delete(body, ext.ID)
			}
		}
		return
	}
	if p.urn == "" && p.sub == "" && alwaysReturned[strings.ToLower(p.name)] {
		return
	}
	from, extKey, key, ok := locate(body, p, rt)
	if !ok {
		return
	}
	if extKey != "" {
		from = cloneMap(from)
		body[extKey] = from
	}
	if p.sub == "" {
		delete(from, key)
		if extKey != "" && len(from) == 0 {
			delete(body, extKey)
		}
		return
	}
	switch x := from[key].(type) {
	case map[string]any:
		c := cloneMap(x)
		if sk, ok := keyFold(c, p.sub); ok {
			delete(c, sk)
		}
		from[key] = c
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			obj, _ := el.(map[string]any)
			c := cloneMap(obj)
			if sk, ok := keyFold(c, p.sub); ok {
				delete(c, sk)
			}
			out[i] = c
		}
		from[key] = out
	}
}

func cloneMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// projected is a resource body cut down to what the request asked for.
func projected(c echo.Context, rt resourceType, body map[string]any) map[string]any {
	return projectionOf(c.Request()).apply(body, rt)
}
