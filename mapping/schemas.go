package mapping

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// undeclaredUserAttributes are the core User attributes (RFC 7643 §4.1) fsscim does not declare:
// Freshservice has nothing to hold them and they are lists of structured values that fsscim does not
// keep itself (ims, photos, entitlements, roles, x509Certificates), or a secret that must never be kept
// (password; Freshservice users sign in through their own identity provider). Clients writing them are
// told by /Schemas, and what they send is ignored (RFC 7644 §3.3 lets a service provider ignore what it
// does not support), never refused, so an admin's extra mapping cannot fail a provisioning cycle.
var undeclaredUserAttributes = []string{"ims", "photos", "entitlements", "roles", "x509Certificates", "password"}

// UserSchema is the core User schema as fsscim serves it: RFC 7643's, without the attributes it
// neither maps nor keeps (see undeclaredUserAttributes).
func UserSchema() schema.Schema {
	s := schema.CoreUserSchema()
	attrs := make(schema.Attributes, 0, len(s.Attributes))
	for _, a := range s.Attributes {
		if !slices.ContainsFunc(undeclaredUserAttributes, func(n string) bool { return strings.EqualFold(n, a.Name()) }) {
			attrs = append(attrs, a)
		}
	}
	s.Attributes = attrs
	return s
}

// FreshserviceExtension is the Freshservice app's own extension schema, with a tenant's custom
// attributes (SCIM name → Freshservice custom field) declared so that mappings for them validate.
func FreshserviceExtension(attributes map[string]string) schema.Schema {
	attrs := []schema.CoreAttribute{
		// A string, as the Freshservice app declared it and as Entra's attribute lists hold it: Entra
		// compares the text it sends ("True") with the text it reads back.
		schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name:            "isAgent",
			CanonicalValues: []string{"true", "false"},
			Description:     optional.NewString("\"true\" (in any case) makes the user a Freshservice agent, \"false\" a requester; changing it converts the user and keeps its id. Read back as it was last written."),
		})),
		schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name:        "location",
			Description: optional.NewString("Name of an existing Freshservice location (Entra's physicalDeliveryOfficeName)."),
		})),
	}
	names := make([]string, 0, len(attributes))
	for name := range attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		attrs = append(attrs, schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name:        name,
			Description: optional.NewString(fmt.Sprintf("Freshservice custom field %q.", attributes[name])),
		})))
	}
	return schema.Schema{
		ID:          SchemaFreshservice,
		Name:        optional.NewString("FreshserviceUser"),
		Description: optional.NewString("Freshservice requester and agent attributes"),
		Attributes:  attrs,
	}
}
