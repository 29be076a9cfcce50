package proxy

import (
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/mapping"
)

// allowStringValues is set once: Entra's default mapping sends "True"/"False" for booleans, and the
// SCIM library only has a package-level switch for accepting them.
var allowStringValues sync.Once

// documentationURI is where discovery documents point a reader for help.
const documentationURI = "https://github.com/fsscim/fsscim#readme"

// Group targets a tenant file may name.
const (
	targetRequesterGroups = "requester_groups"
	targetAgentGroups     = "agent_groups"
	targetNone            = "none"
)

// freshserviceExtension is the Freshservice app's own extension schema, with the tenant's custom
// attributes declared so that Entra's mappings for them validate.
func freshserviceExtension(t *config.Tenant) schema.Schema {
	attrs := []schema.CoreAttribute{
		schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name:        "isAgent",
			Description: optional.NewString("\"true\" makes the user a Freshservice agent, \"false\" a requester; changing it converts the user and keeps its id."),
		})),
		schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name:        "location",
			Description: optional.NewString("Name of an existing Freshservice location (Entra's physicalDeliveryOfficeName)."),
		})),
	}
	names := make([]string, 0, len(t.Attributes))
	for name := range t.Attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		attrs = append(attrs, schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name:        name,
			Description: optional.NewString(fmt.Sprintf("Freshservice custom field %q.", t.Attributes[name])),
		})))
	}
	return schema.Schema{
		ID:          mapping.SchemaFreshservice,
		Name:        optional.NewString("FreshserviceUser"),
		Description: optional.NewString("Freshservice requester and agent attributes"),
		Attributes:  attrs,
	}
}

// newSCIMServer builds the SCIM library's server for one tenant: its extension schema depends on the
// tenant's attributes table, and its resource types on the tenant's group target.
func newSCIMServer(t *config.Tenant, users, groups scim.ResourceHandler, log *zap.Logger) (http.Handler, error) {
	allowStringValues.Do(func() { schema.SetAllowStringValues(true) })

	resourceTypes := []scim.ResourceType{{
		ID:          optional.NewString("User"),
		Name:        "User",
		Endpoint:    "/Users",
		Description: optional.NewString("User Account: a Freshservice requester or agent"),
		Schema:      schema.CoreUserSchema(),
		SchemaExtensions: []scim.SchemaExtension{
			{Schema: schema.ExtensionEnterpriseUser()},
			{Schema: freshserviceExtension(t)},
		},
		Handler: users,
	}}
	if t.Groups.Target != targetNone {
		desc := "Group: a Freshservice requester group"
		if t.Groups.Target == targetAgentGroups {
			desc = "Group: a Freshservice agent group"
		}
		resourceTypes = append(resourceTypes, scim.ResourceType{
			ID:          optional.NewString("Group"),
			Name:        "Group",
			Endpoint:    "/Groups",
			Description: optional.NewString(desc),
			Schema:      schema.CoreGroupSchema(),
			Handler:     groups,
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
			MaxResults:       100,
			SupportFiltering: true,
			SupportPatch:     true,
		},
		ResourceTypes: resourceTypes,
	}, scim.WithLogger(libraryLogger{log: log}))
	if err != nil {
		return nil, fmt.Errorf("build SCIM server for %s: %w", t.Domain, err)
	}
	return http.StripPrefix("/scim", srv), nil
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
