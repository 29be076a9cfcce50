// Package dialect turns what SCIM clients send into standard SCIM: the non-standard forms Microsoft
// Entra ID is documented to send (string booleans, the manager as a plain id, path-less PATCH values
// with dotted or URN-qualified keys, nested extension objects, nulls to clear, the Freshservice app's
// enterprise "_location"), values put once in the type their attribute declares (see coerce.go), and
// attributes fsscim does not know, which are dropped and reported rather than refused, so that an
// admin's extra mapping never fails a provisioning cycle. It is the one place that knows clients'
// quirks; everything after it (validation, mapping) reads standard RFC 7643/7644 values.
package dialect

import (
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"

	"github.com/fsscim/fsscim/mapping"
)

// Report is what the dialect noticed in a request besides putting it in standard form.
type Report struct {
	// Ignored are the attributes fsscim does not know, dropped from the request.
	Ignored []string
	// EnterpriseLocation says the request names the location as the enterprise "_location" (the
	// Freshservice app's mapping of physicalDeliveryOfficeName), which is then answered there too.
	EnterpriseLocation bool
}

// Resource normalises a POST or PUT body in place: nulls dropped, flattened extension keys nested,
// the Freshservice app's "_location" moved to the Freshservice extension's location, and every value
// put in the type its attribute declares. It refuses a body whose schemas leave out the resource's
// core schema, and reports the attributes it does not know.
func Resource(body map[string]any, resource string, known Schemas) (Report, error) {
	if err := checkResourceSchemas(body, known.core.ID); err != nil {
		return Report{}, err
	}
	return normaliseResource(body, resource, known), nil
}

// Patch normalises a PATCH body and decodes its operations: op names lower-cased, nulls turned into
// removes, path-less keys that are paths turned into operations of their own, every value put in the
// type its attribute declares. Operations that name attributes fsscim does not know are dropped and
// reported as ignored; when every operation was dropped, ops is empty and there is nothing to apply.
func Patch(body map[string]any, resource string, known Schemas) (ops []mapping.PatchOp, rep Report, err error) {
	raw, has := mapping.Lookup(body, "Operations")
	if has {
		if _, isList := raw.([]any); !isList {
			return nil, Report{}, badRequest(scimerrors.ScimTypeInvalidValue, "Operations must be a list of operations.")
		}
	}
	normalised, rep := normalisePatchOps(body, known, resource)
	if has && len(normalised) == 0 && len(rep.Ignored) > 0 {
		return []mapping.PatchOp{}, rep, nil
	}
	if has {
		setKey(body, "Operations", normalised)
	}
	ops, err = mapping.DecodePatchWith(body, known.paths.Parse)
	return ops, rep, err
}

// checkResourceSchemas refuses a resource whose schemas list leaves out the resource's core schema:
// the body is then something else than a user or a group. Other entries are tolerated, odd ones
// included, because Entra sends them (a Microsoft group URI, a malformed enterprise URN). A body with
// no schemas at all is taken as the resource the endpoint serves.
func checkResourceSchemas(body map[string]any, core string) error {
	v, has := mapping.Lookup(body, "schemas")
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
