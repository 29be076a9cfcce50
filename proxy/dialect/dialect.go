// Package dialect turns what SCIM clients send into standard SCIM: the non-standard forms Microsoft
// Entra ID is documented to send (string booleans, the manager as a plain id, path-less PATCH values
// with dotted or URN-qualified keys, nested extension objects, nulls to clear, the Freshservice app's
// enterprise "_location"), and attributes fsscim does not know, which are dropped and reported rather
// than refused, so that an admin's extra mapping never fails a provisioning cycle. It is the one place
// that knows clients' quirks; everything after it speaks RFC 7643/7644.
package dialect

import (
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/fsscim/fsscim/mapping"
)

// Resource normalises a POST or PUT body in place: nulls dropped, flattened extension keys nested,
// the manager and the Freshservice app's "_location" put in the forms the schemas declare. It refuses
// a body whose schemas leave out the resource's core schema, and returns the attributes it does not
// know.
func Resource(body map[string]any, resource string, known Schemas) (ignored []string, err error) {
	if err := checkResourceSchemas(body, known.core.ID); err != nil {
		return nil, err
	}
	return normaliseResource(body, resource, known), nil
}

// Patch normalises a PATCH body and decodes its operations. Operations that name attributes fsscim
// does not know are dropped and returned as ignored; when every operation was dropped, ops is empty
// and there is nothing to apply.
func Patch(body map[string]any, resource string, known Schemas) (ops []mapping.PatchOp, ignored []string, err error) {
	raw, has := lookupKey(body, "Operations")
	if has {
		if _, isList := raw.([]any); !isList {
			return nil, nil, badRequest(scimerrors.ScimTypeInvalidValue, "Operations must be a list of operations.")
		}
	}
	normalised, ignored := normalisePatchOps(body, known, resource)
	if has && len(normalised) == 0 && len(ignored) > 0 {
		return []mapping.PatchOp{}, ignored, nil
	}
	if has {
		setKey(body, "Operations", normalised)
	}
	ops, err = mapping.DecodePatchWith(body, known.parsePath)
	return ops, ignored, err
}

// checkResourceSchemas refuses a resource whose schemas list leaves out the resource's core schema:
// the body is then something else than a user or a group. Other entries are tolerated, odd ones
// included, because Entra sends them (a Microsoft group URI, a malformed enterprise URN). A body with
// no schemas at all is taken as the resource the endpoint serves.
func checkResourceSchemas(body map[string]any, core string) error {
	v, has := lookupKey(body, "schemas")
	if !has {
		return nil
	}
	list, _ := v.([]any)
	for _, item := range list {
		if s, ok := item.(string); ok && strings.EqualFold(strings.TrimSpace(s), core) {
			return nil
		}
	}
	return badRequest(scimerrors.ScimTypeInvalidValue, "schemas must list %s.", core)
}

func badRequest(scimType scimerrors.ScimType, format string, args ...any) error {
	return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}
