package proxy

import (
	"encoding/json"
	"maps"
	"net/http"
	"time"

	"github.com/elimity-com/scim/schema"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/proxy/provision"
)

// maxResults is the largest page a list answers; a larger count is cut to it.
const maxResults = 100

// schemaListResponse is the message schema of a list answer.
const schemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

// externalIDAttribute is the common attribute every resource has besides its schemas' own.
var externalIDAttribute = schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
	CaseExact:  true,
	Mutability: schema.AttributeMutabilityReadWrite(),
	Name:       "externalId",
	Uniqueness: schema.AttributeUniquenessNone(),
}))

// validate checks a POST or PUT body against the resource type's schemas (types, required attributes,
// canonical attribute names) and returns what the schemas declare of it; read-only and undeclared
// attributes are left out, as RFC 7643 §7 lets a server ignore them.
func (rt resourceType) validate(body map[string]any) (map[string]any, error) {
	attrs, se := rt.writable.Validate(body)
	if se != nil {
		return nil, *se
	}
	for _, ext := range rt.extensions {
		v := body[ext.ID]
		if v == nil {
			continue
		}
		extAttrs, se := ext.Validate(v)
		if se != nil {
			return nil, *se
		}
		attrs[ext.ID] = extAttrs
	}
	return attrs, nil
}

// withCommon is the core schema with the common attributes a client may write (externalId). A
// surface keeps it as resourceType.writable: it copies every attribute of the schema.
func (rt resourceType) withCommon() schema.Schema {
	core := rt.core
	core.Attributes = append(append(schema.Attributes{}, core.Attributes...), externalIDAttribute)
	return core
}

// meta is a resource's meta attribute (RFC 7643 §3.1).
type meta struct {
	ResourceType string `json:"resourceType"`
	Created      string `json:"created,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	Location     string `json:"location"`
}

// body is the JSON a resource is answered as: its attributes, id, externalId, schemas and meta, with
// locations under base (the SCIM root's absolute URI, or "" for relative ones). Group members carry
// their $ref and type (RFC 7643 §4.2).
func (rt resourceType) body(res provision.Resource, base string) map[string]any {
	out := make(map[string]any, len(res.Attributes)+4)
	for k, v := range res.Attributes {
		out[k] = v
	}
	out["id"] = res.ID
	if res.ExternalID != "" {
		out["externalId"] = res.ExternalID
	}
	out["schemas"] = rt.schemaURIs()
	if members, ok := out["members"].([]any); ok {
		withRefs := make([]any, 0, len(members))
		for _, item := range members {
			if m, ok := item.(map[string]any); ok {
				if id, ok := m["value"].(string); ok {
					m = maps.Clone(m)
					m["$ref"] = resourceLocation(base, "Users", id)
					m["type"] = "User"
				}
				item = m
			}
			withRefs = append(withRefs, item)
		}
		out["members"] = withRefs
	}
	m := meta{ResourceType: rt.name, Location: resourceLocation(base, rt.endpoint, res.ID)}
	if !res.Created.IsZero() {
		m.Created = res.Created.Format(time.RFC3339)
	}
	if !res.LastModified.IsZero() {
		m.LastModified = res.LastModified.Format(time.RFC3339)
	}
	out["meta"] = m
	return out
}

// writeResource answers one resource, holding what the request's attributes or excludedAttributes
// ask for; a created one (201) with its URI in Location (RFC 7644 §3.3).
func writeResource(c echo.Context, status int, rt resourceType, res provision.Resource) error {
	body := rt.body(res, requestScope(c.Request()).base)
	if status == http.StatusCreated {
		// Read before the projection, which may leave meta out of the body.
		c.Response().Header().Set(echo.HeaderLocation, body["meta"].(meta).Location)
	}
	return writeSCIM(c, status, projected(c, rt, body))
}

// writeList answers a page of resources as a ListResponse (RFC 7644 §3.4.2); itemsPerPage is the
// number of resources on the page.
func writeList(c echo.Context, rt resourceType, page provision.Page, q listQuery) error {
	resources := make([]any, 0, len(page.Resources))
	for _, res := range page.Resources {
		resources = append(resources, projected(c, rt, rt.body(res, requestScope(c.Request()).base)))
	}
	return writeSCIM(c, http.StatusOK, map[string]any{
		"schemas":      []string{schemaListResponse},
		"totalResults": page.Total,
		"itemsPerPage": len(resources),
		"startIndex":   q.startIndex,
		"Resources":    resources,
	})
}

// writeSCIM writes v as a SCIM JSON answer.
func writeSCIM(c echo.Context, status int, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		requestScope(c.Request()).log.Error("answer does not encode", zap.Error(err))
		return fail(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentType, contentTypeSCIM)
	c.Response().WriteHeader(status)
	_, _ = c.Response().Write(raw)
	return nil
}

// writeNoContent answers 204, as a group PATCH and every DELETE do.
func writeNoContent(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, contentTypeSCIM)
	c.Response().WriteHeader(http.StatusNoContent)
	return nil
}

const contentTypeSCIM = "application/scim+json"
