package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/mapping"
)

// The Entra normaliser rewrites the non-standard forms Entra is documented to send into forms the
// pinned SCIM library accepts (see the gaps listed in the elimity reference), and drops attributes
// fsscim does not know so that an admin's extra mapping never fails a provisioning cycle.

const (
	enterprisePrefix   = mapping.SchemaEnterprise + ":"
	freshservicePrefix = mapping.SchemaFreshservice + ":"
)

// route is what a SCIM path addresses.
type route struct {
	resource string // "Users", "Groups", or "" for discovery
	id       string
	hasID    bool
}

func parseRoute(path string) route {
	rest := strings.TrimPrefix(path, "/scim/v2")
	rest = strings.TrimPrefix(rest, "/")
	name, id, hasID := strings.Cut(rest, "/")
	switch name {
	case "Users", "Groups":
		return route{resource: name, id: id, hasID: hasID}
	}
	return route{}
}

// normalise is the middleware in front of the SCIM library.
func (s *Server) normalise(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sc := requestScope(r)
		rt := parseRoute(r.URL.Path)
		sc.setOperation(operationName(rt, r.Method))
		if rt.resource == "" {
			return next(c)
		}
		cfg := sc.tenant.config()
		if rt.resource == "Groups" && cfg.Groups.Target == targetNone {
			writeSCIMError(c.Response(), scimError(http.StatusNotImplemented, "",
				"Groups are not provisioned to %s (groups.target is none in its tenant file). Turn off group provisioning in Entra or set groups.target to requester_groups or agent_groups.", cfg.Domain), 0)
			return nil
		}
		if rt.hasID && rt.id == "" {
			writeSCIMError(c.Response(), scimError(http.StatusNotFound, "", "Resource  not found."), 0)
			return nil
		}

		switch r.Method {
		case http.MethodGet:
			if !rt.hasID {
				if se, ok := s.prepareList(r, sc, rt); !ok {
					writeSCIMError(c.Response(), se, 0)
					return nil
				}
			} else {
				sc.excludeMembers = excludesMembers(r)
			}
			return next(c)
		case http.MethodPost, http.MethodPut, http.MethodPatch:
			body, se, ok := readJSONBody(r)
			if !ok {
				writeSCIMError(c.Response(), se, 0)
				return nil
			}
			out, answered := s.rewriteBody(c, sc, rt, r.Method, body)
			if answered {
				return nil
			}
			r.Body = io.NopCloser(bytes.NewReader(out))
			r.ContentLength = int64(len(out))
			return next(c)
		}
		return next(c)
	}
}

func operationName(rt route, method string) (resource, op string) {
	if rt.resource == "" {
		return "discovery", strings.ToLower(method)
	}
	res := strings.ToLower(rt.resource)
	switch method {
	case http.MethodGet:
		if rt.hasID {
			return rt.resource, res + ".get"
		}
		return rt.resource, res + ".list"
	case http.MethodPost:
		return rt.resource, res + ".create"
	case http.MethodPut:
		return rt.resource, res + ".replace"
	case http.MethodPatch:
		return rt.resource, res + ".patch"
	case http.MethodDelete:
		return rt.resource, res + ".delete"
	}
	return rt.resource, res + "." + strings.ToLower(method)
}

// prepareList parses the filter itself (the library rejects several forms Entra sends) and hands the
// library a request without it; the handler reads the plan from the scope.
func (s *Server) prepareList(r *http.Request, sc *scope, rt route) (scimerrors.ScimError, bool) {
	q := r.URL.Query()
	for _, name := range []string{"startIndex", "count"} {
		// The library answers these without a scimType; Entra's paging always sends numbers.
		if v := q.Get(name); v != "" {
			if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s must be a whole number.", name), false
			}
		}
	}
	f := strings.TrimSpace(q.Get("filter"))
	switch rt.resource {
	case "Users":
		p, err := mapping.PlanUserFilter(f)
		if err != nil {
			return asSCIMError(err, scimerrors.ScimTypeInvalidFilter), false
		}
		sc.userPlan = &p
	case "Groups":
		p, err := mapping.PlanGroupFilter(f)
		if err != nil {
			return asSCIMError(err, scimerrors.ScimTypeInvalidFilter), false
		}
		sc.groupPlan = &p
		sc.excludeMembers = excludesMembers(r)
	}
	if a := q.Get("attributes"); a != "" {
		for _, name := range strings.Split(a, ",") {
			sc.attributes = append(sc.attributes, strings.TrimSpace(name))
		}
	}
	q.Del("filter")
	r.URL.RawQuery = q.Encode()
	return scimerrors.ScimError{}, true
}

// excludesMembers reports whether the caller asked for groups without members: Entra does on every
// group lookup, and answering members there breaks it.
func excludesMembers(r *http.Request) bool {
	q := r.URL.Query()
	for _, name := range strings.Split(q.Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(name), "members") {
			return true
		}
	}
	if a := q.Get("attributes"); a != "" {
		for _, name := range strings.Split(a, ",") {
			if strings.EqualFold(strings.TrimSpace(name), "members") {
				return false
			}
		}
		return true
	}
	return false
}

func asSCIMError(err error, fallback scimerrors.ScimType) scimerrors.ScimError {
	var se scimerrors.ScimError
	if errors.As(err, &se) {
		return se
	}
	return scimError(http.StatusBadRequest, fallback, "%s", err.Error())
}

// readJSONBody reads and parses a request body, answering the caller's mistakes as SCIM errors.
func readJSONBody(r *http.Request) (map[string]any, scimerrors.ScimError, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || mt == "application/scim+json" || strings.HasSuffix(mt, "+json") || mt == "text/json") {
			return nil, scimError(http.StatusUnsupportedMediaType, "", "Content-Type %q is not supported; send application/scim+json.", ct), false
		}
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return nil, scimError(http.StatusRequestEntityTooLarge, "", "The request body is larger than 1048576 bytes."), false
		}
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body could not be read."), false
	}
	if !utf8.Valid(raw) {
		// encoding/json would quietly turn the bad bytes into U+FFFD and store that in Freshservice.
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "The request body is not valid UTF-8."), false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body is not a valid JSON object: %s.", jsonProblem(err)), false
	}
	if dec.More() {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body has data after its JSON object."), false
	}
	if body == nil {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body must be a JSON object."), false
	}
	if name, dup := duplicateKey(raw); dup {
		// Decoding keeps one of the two values; which one the caller meant is unknown.
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body names %q twice (attribute names are case-insensitive).", name), false
	}
	return body, scimerrors.ScimError{}, true
}

// jsonProblem describes a JSON syntax error without quoting the body back.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return "expected an object"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the body is empty or cut short"
	}
	return "malformed JSON"
}

// rewriteBody normalises a POST/PUT/PATCH body. answered=true means the normaliser wrote the answer.
func (s *Server) rewriteBody(c echo.Context, sc *scope, rt route, method string, body map[string]any) (out []byte, answered bool) {
	refuse := func(se scimerrors.ScimError) ([]byte, bool) {
		writeSCIMError(c.Response(), se, 0)
		return nil, true
	}
	schemas := sc.tenant.knownSchemas(rt.resource)
	if method == http.MethodPatch {
		if raw, has := lookupKey(body, "Operations"); has {
			if _, isList := raw.([]any); !isList {
				return refuse(scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "Operations must be a list of operations."))
			}
		}
		ops, ignored := normalisePatchOps(body, schemas, rt.resource)
		sc.noteIgnored(ignored...)
		if len(ops) == 0 {
			if _, has := lookupKey(body, "Operations"); has && len(ignored) > 0 {
				// Every operation named something fsscim does not map: nothing to change. Users
				// answer with the current resource, groups with 204, as a real change would.
				if rt.resource == "Groups" {
					c.Response().WriteHeader(http.StatusNoContent)
					return nil, true
				}
				c.Request().Method = http.MethodGet
				c.Request().Body = http.NoBody
				c.Request().ContentLength = 0
				sc.setOperation(rt.resource, "users.patch")
				return nil, false
			}
		}
		if _, has := lookupKey(body, "Operations"); has {
			setKey(body, "Operations", ops)
		}
	} else {
		if se, ok := checkResourceSchemas(body, schemas.core.ID); !ok {
			return refuse(se)
		}
		normaliseResource(body, rt.resource, schemas, sc)
	}
	out, err := json.Marshal(body)
	if err != nil {
		return refuse(scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body could not be processed."))
	}
	return out, false
}

// checkResourceSchemas refuses a resource whose schemas list leaves out the resource's core schema:
// the body is then something else than a user or a group. Other entries are tolerated, odd ones
// included, because Entra sends them (a Microsoft group URI, a malformed enterprise URN). A body with
// no schemas at all is taken as the resource the endpoint serves.
func checkResourceSchemas(body map[string]any, core string) (scimerrors.ScimError, bool) {
	v, has := lookupKey(body, "schemas")
	if !has {
		return scimerrors.ScimError{}, true
	}
	list, _ := v.([]any)
	for _, item := range list {
		if s, ok := item.(string); ok && strings.EqualFold(strings.TrimSpace(s), core) {
			return scimerrors.ScimError{}, true
		}
	}
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "schemas must list %s.", core), false
}

// knownSchemas are the schemas a resource's attributes may come from, by URN.
type knownSchemas struct {
	core       schema.Schema
	extensions map[string]schema.Schema // by lower-cased URN
	// memo holds known's answers by path: parsing a path costs far more than the rest of a request's
	// normalising, and Entra sends the same few dozen paths over and over. Nil means no memo.
	memo *lru.Cache[string, bool]
}

// knownMemoSize bounds each memo: paths come from request bodies, so their variety is unbounded.
const knownMemoSize = 1024

// knownMemoMaxPath is the longest path memoised; longer ones are rare and would crowd the memo.
const knownMemoMaxPath = 256

// newKnownSchemas builds a resource's schemas for tenant t, with an empty memo.
func newKnownSchemas(t *config.Tenant, resource string) knownSchemas {
	memo, _ := lru.New[string, bool](knownMemoSize)
	if resource == "Groups" {
		return knownSchemas{core: schema.CoreGroupSchema(), extensions: map[string]schema.Schema{}, memo: memo}
	}
	return knownSchemas{core: schema.CoreUserSchema(), extensions: map[string]schema.Schema{
		strings.ToLower(mapping.SchemaEnterprise):   schema.ExtensionEnterpriseUser(),
		strings.ToLower(mapping.SchemaFreshservice): freshserviceExtension(t),
	}, memo: memo}
}

// known reports whether a path names an attribute of the resource's schemas.
func (k knownSchemas) known(path string) bool {
	if k.memo == nil || len(path) > knownMemoMaxPath {
		return k.lookup(path)
	}
	if v, ok := k.memo.Get(path); ok {
		return v
	}
	v := k.lookup(path)
	k.memo.Add(path, v)
	return v
}

// lookup is known without the memo.
func (k knownSchemas) lookup(path string) bool {
	uri, rest := splitURN(path)
	if uri == "" && strings.EqualFold(rest, "externalId") {
		// A common attribute: in no schema's attribute list, but every resource has it.
		return true
	}
	sch := k.core
	if uri != "" && !strings.EqualFold(uri, k.core.ID) {
		var ok bool
		if sch, ok = k.extensions[strings.ToLower(uri)]; !ok {
			return false
		}
	}
	p, err := filter.ParsePath([]byte(rest))
	if err != nil {
		// Let the library answer 400 invalidPath for a path that does not parse.
		return true
	}
	attr, ok := sch.Attributes.ContainsAttribute(p.AttributePath.AttributeName)
	if !ok {
		return false
	}
	sub := p.AttributePath.SubAttributeName()
	if sub == "" && p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	if sub != "" {
		if !attr.HasSubAttributes() {
			return false
		}
		if _, ok := attr.SubAttributes().ContainsAttribute(sub); !ok {
			return false
		}
	}
	return true
}

// splitURN splits "urn:…:User:attr.sub" into the schema URN and the rest. The URN is everything up to
// the last colon before any value filter ('['); the "2.0" in a URN has a dot, so dots cannot be used.
// A path without a URN prefix has an empty URN.
func splitURN(path string) (uri, rest string) {
	if !strings.HasPrefix(strings.ToLower(path), "urn:") {
		return "", path
	}
	head := path
	if i := strings.IndexByte(path, '['); i >= 0 {
		head = path[:i]
	}
	j := strings.LastIndexByte(head, ':')
	return path[:j], path[j+1:]
}
