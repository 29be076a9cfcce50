package proxy

import (
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	scimfilter "github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/fsscim/fsscim/mapping"
)

// validatePatch checks each operation against the resource type's schemas, as RFC 7644 §3.5.2 asks:
// the op is add, replace or remove; a path names a declared attribute (and a value filter only its
// sub-attributes); add and replace carry a value of the attribute's type; remove has a path and does
// not name a required attribute. A PATCH is applied whole or not at all: one invalid operation refuses
// it before anything is applied. Values
// come back in canonical form (sub-attribute names as declared, unknown sub-attributes left out), and
// a multi-valued attribute's value is always a list.
func (rt resourceType) validatePatch(ops []mapping.PatchOp) ([]mapping.PatchOp, error) {
	out := make([]mapping.PatchOp, 0, len(ops))
	for i, op := range ops {
		name := strings.ToLower(strings.TrimSpace(op.Op))
		switch name {
		case "add", "replace", "remove":
		default:
			return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "Operations[%d]: op %q is not add, replace or remove.", i, op.Op)
		}
		v, err := rt.validateOp(name, op.Path, op.Value)
		if err != nil {
			return nil, patchOpError(i, err)
		}
		out = append(out, mapping.PatchOp{Op: name, Path: op.Path, Value: v})
	}
	return out, nil
}

// patchOpError names the operation in an error's detail.
func patchOpError(i int, err error) error {
	se, ok := err.(scimerrors.ScimError)
	if !ok {
		return err
	}
	se.Detail = fmt.Sprintf("Operations[%d]: %s", i, se.Detail)
	return se
}

// validateOp checks one operation and returns its value in canonical form.
func (rt resourceType) validateOp(op string, path *filter.Path, v any) (any, error) {
	if path == nil {
		if op == "remove" {
			return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeNoTarget, "a remove operation needs a path.")
		}
		return rt.validatePathless(op, v)
	}
	if obj, ok := v.(map[string]any); ok {
		// Okta sends the resource's id along; it is not a change.
		for k := range obj {
			if strings.EqualFold(k, "id") {
				delete(obj, k)
			}
		}
	}
	text := path.String()
	if op != "remove" && v == nil {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s of %s needs a value.", op, text)
	}
	attr, err := rt.memo.attribute(rt, op, path, text)
	if err != nil {
		return nil, err
	}
	if op == "remove" && attr.Required() {
		// A required attribute (a user's userName, a group's displayName) cannot be unassigned: the
		// operation is incompatible with the schema (RFC 7644 §3.5.2), and the whole PATCH is refused.
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s is required and cannot be removed.", path.String())
	}
	if op == "remove" && v == nil {
		return nil, nil
	}
	return canonicalValue(attr, text, v)
}

// validatePathless checks a path-less add or replace, whose value is an object of attributes.
func (rt resourceType) validatePathless(op string, v any) (any, error) {
	attrs, ok := v.(map[string]any)
	if !ok {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "an operation without a path needs an object of attributes as its value.")
	}
	out := make(map[string]any, len(attrs))
	for key, value := range attrs {
		if strings.EqualFold(key, "id") {
			continue
		}
		p, err := rt.memo.parse(key)
		if err != nil {
			return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidPath, "attribute %q does not parse as a SCIM path.", key)
		}
		checked, err := rt.validateOp(op, &p, value)
		if err != nil {
			return nil, err
		}
		out[key] = checked
	}
	return out, nil
}

// findAttribute finds the attribute a path (text: its String) names, checking its value filter.
func (rt resourceType) findAttribute(op string, path *filter.Path, text string) (schema.CoreAttribute, error) {
	invalidPath := func() error {
		return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidPath, "path %q names no attribute of %s.", text, rt.name)
	}
	core := rt.writable
	pv, err := scimfilter.NewPathValidator(text, core, rt.extensions...)
	if err != nil || pv.Validate() != nil {
		return schema.CoreAttribute{}, invalidPath()
	}
	sch := core
	if uri := path.AttributePath.URI(); uri != "" {
		found := false
		for _, e := range rt.extensions {
			if e.ID == uri {
				sch, found = e, true
			}
		}
		if !found {
			return schema.CoreAttribute{}, invalidPath()
		}
	}
	attr, ok := sch.Attributes.ContainsAttribute(path.AttributePath.AttributeName)
	if !ok {
		return schema.CoreAttribute{}, invalidPath()
	}
	if path.ValueExpression != nil {
		sub := attr.SubAttributes()
		if op == "remove" {
			sub = scimfilter.MultiValuedFilterAttributes(attr)
		}
		if scimfilter.NewFilterValidator(path.ValueExpression, schema.Schema{Attributes: sub}).Validate() != nil {
			return schema.CoreAttribute{}, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidFilter, "the value filter of path %q names no sub-attribute of %s.", text, attr.Name())
		}
	}
	name := path.AttributePath.SubAttributeName()
	if name == "" {
		name = path.SubAttributeName()
	}
	if name != "" {
		if !attr.HasSubAttributes() {
			return schema.CoreAttribute{}, invalidPath()
		}
		sub, ok := attr.SubAttributes().ContainsAttribute(name)
		if !ok {
			return schema.CoreAttribute{}, invalidPath()
		}
		attr = sub
	}
	return attr, nil
}

// canonicalValue checks v against attr's type and returns it in canonical form.
func canonicalValue(attr schema.CoreAttribute, path string, v any) (any, error) {
	if !attr.MultiValued() {
		return singular(attr, path, v)
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	out := make([]any, 0, len(list))
	for _, item := range list {
		c, err := singular(attr, path, item)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func singular(attr schema.CoreAttribute, path string, v any) (any, error) {
	c, se := attr.ValidateSingular(v)
	if se != nil {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "the value of %s is not a valid %s.", path, attr.AttributeType())
	}
	return c, nil
}
