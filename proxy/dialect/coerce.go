package dialect

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/elimity-com/scim/schema"

	"github.com/fsscim/fsscim/mapping"
)

// The one coercion: every value a client sends is put in the JSON type its attribute is declared with,
// once, here. What cannot be read as that type is left as sent, for validation to refuse.
//
//   - A boolean is a JSON boolean, or the text "true" or "false" in any case (mapping.ParseBoolean):
//     Entra's default mapping sends "True"/"False", an admin's own expression "true"/"false".
//   - A string is a JSON string. A number or a boolean sent for one is taken as its JSON text (a phone
//     number 55555555555 stays 55555555555, true becomes "true"), and the wrappers older Microsoft
//     clients put around a value, {"value": x} and [{"value": x}], are taken off. Attributes the
//     schema declares unique (userName) take strings only: they identify the user, and a number there
//     is a broken mapping that could otherwise match or make the wrong user.
//   - A complex value has each sub-attribute coerced; a multi-valued attribute is a list, so one object
//     sent for it becomes a list of one.
//   - The enterprise manager, in every form Entra sends it (a plain id, a number, {"value": id} in any
//     key case, [{"$ref": …, "value": id}], an empty list or null to clear), is {"value": "id"}.

// coerce puts v in the form attribute a declares.
func coerce(a schema.CoreAttribute, v any) any {
	if !a.MultiValued() {
		return coerceOne(a, v)
	}
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = coerceOne(a, x[i])
		}
		return x
	case map[string]any:
		return []any{coerceOne(a, x)}
	}
	return v
}

// coerceOne puts one value (of a multi-valued attribute: one element) in a's type.
func coerceOne(a schema.CoreAttribute, v any) any {
	switch a.AttributeType() {
	case "boolean":
		return coerceBoolean(v)
	case "string":
		return coerceString(a, v)
	case "complex":
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for key, value := range obj {
			if sub, ok := a.SubAttributes().ContainsAttribute(key); ok {
				obj[key] = coerce(sub, value)
			}
		}
		return obj
	}
	return v
}

func coerceBoolean(v any) any {
	if s, ok := v.(string); ok {
		if b, ok := mapping.ParseBoolean(s); ok {
			return b
		}
	}
	return v
}

func coerceString(a schema.CoreAttribute, v any) any {
	unique := a.Uniqueness() != "none"
	switch x := v.(type) {
	case json.Number:
		if !unique {
			return x.String()
		}
	case float64:
		if !unique {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
	case bool:
		if !unique {
			return strconv.FormatBool(x)
		}
	case map[string]any:
		if inner, ok := mapping.Lookup(x, "value"); ok {
			return coerceString(a, inner)
		}
	case []any:
		if len(x) == 1 {
			if obj, ok := x[0].(map[string]any); ok {
				if inner, ok := mapping.Lookup(obj, "value"); ok {
					return coerceString(a, inner)
				}
			}
		}
	}
	return v
}

// managerValue puts the enterprise manager, in any of Entra's forms, as {"value": id}. An id of
// another type (an object, a list, a boolean) is left for validation to refuse.
func managerValue(v any) any {
	switch t := v.(type) {
	case string:
		return map[string]any{"value": strings.TrimSpace(t)}
	case json.Number:
		return map[string]any{"value": t.String()}
	case []any:
		if len(t) == 0 {
			return map[string]any{"value": ""}
		}
		return managerValue(t[0])
	case map[string]any:
		id, _ := mapping.Lookup(t, "value")
		switch idv := id.(type) {
		case nil:
			return map[string]any{"value": ""}
		case json.Number:
			return map[string]any{"value": idv.String()}
		case string:
			return map[string]any{"value": idv}
		}
		return t
	case nil:
		return map[string]any{"value": ""}
	}
	return v
}

// coerceAt puts the value of a PATCH operation on path in the form the path's attribute declares.
func (k Schemas) coerceAt(resource, path string, v any) any {
	if resource == Users && isManagerPath(path) && !strings.Contains(strings.ToLower(path), "manager.") {
		return managerValue(v)
	}
	t, ok := k.resolve(path)
	if !ok {
		return v
	}
	if t.sub != nil {
		return coerce(*t.sub, v)
	}
	// The attribute, or elements of it selected by a value filter: a multi-valued attribute's value
	// is a list of elements either way.
	return coerce(t.attr, v)
}

// coerceResource puts each attribute of a POST or PUT body, and of each extension object in it, in
// the form its schema declares.
func (k Schemas) coerceResource(body map[string]any) {
	for key, v := range body {
		if ext, ok := k.extensions[strings.ToLower(key)]; ok {
			obj, isObj := v.(map[string]any)
			if !isObj {
				continue
			}
			for name, value := range obj {
				if a, ok := ext.Attributes.ContainsAttribute(name); ok {
					obj[name] = coerce(a, value)
				}
			}
			continue
		}
		if a, ok := k.attribute(k.core, key); ok {
			body[key] = coerce(a, v)
		}
	}
}

// target is what a path names: an attribute of one of the schemas and, when the path goes on to one,
// its sub-attribute.
type target struct {
	attr schema.CoreAttribute
	sub  *schema.CoreAttribute
}

// resolve finds the attribute a path names.
func (k Schemas) resolve(path string) (target, bool) {
	uri, rest := splitURN(path)
	sch := k.core
	if uri != "" && !strings.EqualFold(uri, k.core.ID) {
		var ok bool
		if sch, ok = k.extensions[strings.ToLower(uri)]; !ok {
			return target{}, false
		}
	}
	p, err := k.parsePath(rest)
	if err != nil {
		return target{}, false
	}
	attr, ok := k.attribute(sch, p.AttributePath.AttributeName)
	if !ok {
		return target{}, false
	}
	t := target{attr: attr}
	name := p.AttributePath.SubAttributeName()
	if name == "" {
		name = p.SubAttributeName()
	}
	if name != "" {
		sub, ok := attr.SubAttributes().ContainsAttribute(name)
		if !ok {
			return target{}, false
		}
		t.sub = &sub
	}
	return t, true
}

// attribute finds a schema's attribute by name; externalId, which every resource has besides its
// schema's own, is found in the core schema.
func (k Schemas) attribute(sch schema.Schema, name string) (schema.CoreAttribute, bool) {
	if a, ok := sch.Attributes.ContainsAttribute(name); ok {
		return a, true
	}
	if sch.ID == k.core.ID && strings.EqualFold(name, "externalId") {
		return externalIDAttribute, true
	}
	return schema.CoreAttribute{}, false
}

// externalIDAttribute is the common attribute externalId (RFC 7643 §3.1): a string.
var externalIDAttribute = schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
	CaseExact: true,
	Name:      "externalId",
}))
