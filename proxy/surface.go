package proxy

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	lru "github.com/hashicorp/golang-lru/v2"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/dialect"
	"github.com/fsscim/fsscim/proxy/provision"
)

// documentationURI is where discovery documents point a reader for help.
const documentationURI = "https://github.com/fsscim/fsscim#readme"

// resourceType is what the SCIM surface knows of one resource type: its name, endpoint and schemas.
type resourceType struct {
	name       string // "User", "Group": meta.resourceType
	endpoint   string // "Users", "Groups"
	core       schema.Schema
	writable   schema.Schema // core with the common attributes a client may write (withCommon)
	extensions []schema.Schema
	known      dialect.Schemas
	memo       *patchMemo // PATCH path checks already made
}

// schemaURIs lists the schemas every resource of the type names.
func (rt resourceType) schemaURIs() []string {
	out := []string{rt.core.ID}
	for _, e := range rt.extensions {
		out = append(out, e.ID)
	}
	return out
}

// surface is the SCIM surface of tenants whose files agree on what shapes it: the custom attributes of
// the Freshservice extension and the group target. Tenants of one shape share one surface.
type surface struct {
	users     resourceType
	groups    *resourceType // nil when the tenant provisions no groups
	discovery http.Handler  // /Schemas, /ResourceTypes, /ServiceProviderConfig
}

// surfaces builds and shares surfaces by shape. Shapes come from tenant files, so they are few; the
// LRU bounds them anyway, since a file that changes its attributes often leaves old shapes behind.
type surfaces struct {
	log   *zap.Logger
	mu    sync.Mutex
	cache *lru.Cache[string, *surface]
}

func newSurfaces(log *zap.Logger) *surfaces {
	cache, _ := lru.New[string, *surface](256)
	return &surfaces{log: log, cache: cache}
}

// shapeKey names what a tenant's surface depends on.
func shapeKey(t *config.Tenant) string {
	names := make([]string, 0, len(t.Attributes))
	for name, field := range t.Attributes {
		names = append(names, name+"\x00"+field)
	}
	sort.Strings(names)
	return t.Groups.Target + "\x01" + strings.Join(names, "\x01")
}

// of returns the surface for t's shape, building it on first use.
func (s *surfaces) of(t *config.Tenant) (*surface, error) {
	key := shapeKey(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if sf, ok := s.cache.Get(key); ok {
		return sf, nil
	}
	sf, err := newSurface(t, s.log)
	if err != nil {
		return nil, err
	}
	s.cache.Add(key, sf)
	return sf, nil
}

func newSurface(t *config.Tenant, log *zap.Logger) (*surface, error) {
	userExt := []schema.Schema{schema.ExtensionEnterpriseUser(), mapping.FreshserviceExtension(t.Attributes)}
	userCore := mapping.UserSchema()
	sf := &surface{users: resourceType{
		name: "User", endpoint: dialect.Users, core: userCore, extensions: userExt,
		known: dialect.NewSchemas(userCore, userExt...), memo: newPatchMemo(),
	}}
	sf.users.writable = sf.users.withCommon()
	libTypes := []scim.ResourceType{{
		ID:          optional.NewString("User"),
		Name:        "User",
		Endpoint:    "/Users",
		Description: optional.NewString("User Account: a Freshservice requester or agent"),
		Schema:      sf.users.core,
		SchemaExtensions: []scim.SchemaExtension{
			{Schema: userExt[0]},
			{Schema: userExt[1]},
		},
		Handler: discoveryOnly{},
	}}
	if t.Groups.Target != provision.TargetNone {
		core := schema.CoreGroupSchema()
		sf.groups = &resourceType{name: "Group", endpoint: dialect.Groups, core: core, known: dialect.NewSchemas(core), memo: newPatchMemo()}
		sf.groups.writable = sf.groups.withCommon()
		desc := "Group: a Freshservice requester group"
		if t.Groups.Target == provision.TargetAgentGroups {
			desc = "Group: a Freshservice agent group"
		}
		libTypes = append(libTypes, scim.ResourceType{
			ID:          optional.NewString("Group"),
			Name:        "Group",
			Endpoint:    "/Groups",
			Description: optional.NewString(desc),
			Schema:      core,
			Handler:     discoveryOnly{},
		})
	}
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			DocumentationURI: optional.NewString(documentationURI),
			AuthenticationSchemes: []scim.AuthenticationScheme{{
				Type:             scim.AuthenticationTypeOauthBearerToken,
				Name:             "Bearer token",
				Description:      "A token minted by `fsscim token issue` for one Freshservice account, sent as Authorization: Bearer <token>.",
				SpecURI:          optional.NewString("https://www.rfc-editor.org/rfc/rfc6750"),
				DocumentationURI: optional.NewString(documentationURI),
				Primary:          true,
			}},
			MaxResults:       maxResults,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: libTypes,
	}, scim.WithLogger(libraryLogger{log: log}))
	if err != nil {
		return nil, fmt.Errorf("build SCIM discovery for %s: %w", t.Domain, err)
	}
	sf.discovery = http.StripPrefix("/scim", srv)
	return sf, nil
}

// discoveryOnly is the resource handler of the SCIM library's server, which fsscim uses only for its
// discovery documents: resource requests are routed to fsscim's own handlers and never reach it.
type discoveryOnly struct{}

var _ scim.ResourceHandler = discoveryOnly{}

var errNotRouted = scimError(http.StatusNotImplemented, "", "Not served here.")

func (discoveryOnly) Create(*http.Request, scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, errNotRouted
}
func (discoveryOnly) Get(*http.Request, string) (scim.Resource, error) {
	return scim.Resource{}, errNotRouted
}
func (discoveryOnly) GetAll(*http.Request, scim.ListRequestParams) (scim.Page, error) {
	return scim.Page{}, errNotRouted
}
func (discoveryOnly) Replace(*http.Request, string, scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, errNotRouted
}
func (discoveryOnly) Delete(*http.Request, string) error { return errNotRouted }
func (discoveryOnly) Patch(*http.Request, string, []scim.PatchOperation) (scim.Resource, error) {
	return scim.Resource{}, errNotRouted
}

// libraryLogger adapts zap to the SCIM library's Error(args...) logger, keeping its key/value pairs as
// fields instead of one joined string.
type libraryLogger struct{ log *zap.Logger }

func (l libraryLogger) Error(args ...any) {
	if len(args) == 0 {
		return
	}
	msg := fmt.Sprint(args[0])
	l.log.Sugar().Errorw(msg, args[1:]...)
}
