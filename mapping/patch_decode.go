package mapping

import (
	"fmt"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// PatchOp is one operation of a SCIM PATCH request (RFC 7644 §3.5.2): its op as sent, its path
// (nil when absent) and its value as decoded JSON (numbers as json.Number).
type PatchOp struct {
	Op    string
	Path  *filter.Path
	Value any
}

// DecodePatch reads a PATCH request body (RFC 7644 §3.5.2): schemas must name the PatchOp message,
// Operations must be a non-empty list of objects, each with an op and an optional path, which must
// parse. Op names and values are not judged here; applying the operations does that.
func DecodePatch(body map[string]any) ([]PatchOp, error) {
	return DecodePatchWith(body, nil)
}

// DecodePatchWith is DecodePatch parsing paths with parse (nil: filter.ParsePath), for a caller that
// remembers the paths it parsed: the SCIM path parser is the costliest part of reading a PATCH. Each
// operation gets its own copy of what parse returns.
func DecodePatchWith(body map[string]any, parse func(string) (filter.Path, error)) ([]PatchOp, error) {
	if parse == nil {
		parse = func(s string) (filter.Path, error) { return filter.ParsePath([]byte(s)) }
	}
	schemas, _ := Lookup(body, "schemas")
	list, _ := schemas.([]any)
	if len(list) != 1 || list[0] != SchemaPatchOp {
		return nil, invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf("schemas must be [%q]", SchemaPatchOp))
	}
	raw, _ := Lookup(body, "Operations")
	items, ok := raw.([]any)
	if !ok || len(items) == 0 {
		return nil, invalid(scimerrors.ScimTypeInvalidValue, "Operations must be a list of one or more operations")
	}
	ops := make([]PatchOp, 0, len(items))
	for i, item := range items {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf("Operations[%d] must be an object", i))
		}
		name, _ := Lookup(obj, "op")
		op, ok := name.(string)
		if !ok {
			return nil, invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf("Operations[%d] has no op", i))
		}
		var path *filter.Path
		if rawPath, has := Lookup(obj, "path"); has && rawPath != nil {
			s, ok := rawPath.(string)
			if !ok {
				return nil, invalid(scimerrors.ScimTypeInvalidPath, fmt.Sprintf("Operations[%d].path must be a string", i))
			}
			if s = strings.TrimSpace(s); s != "" {
				p, err := parse(s)
				if err != nil {
					return nil, invalid(scimerrors.ScimTypeInvalidPath, fmt.Sprintf("Operations[%d].path %s does not parse as a SCIM path", i, patchShow(s)))
				}
				path = &p
			}
		}
		value, _ := Lookup(obj, "value")
		ops = append(ops, PatchOp{Op: op, Path: path, Value: value})
	}
	return ops, nil
}
