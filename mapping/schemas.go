package mapping

import (
	"fmt"
	"sort"

	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

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
