package dialect_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/mapping/mappingtest"
	"github.com/fsscim/fsscim/proxy/dialect"
	"github.com/fsscim/fsscim/proxy/proxytest/golden"
)

const (
	entURN = mapping.SchemaEnterprise
	fsURN  = mapping.SchemaFreshservice
)

// roundTripOpts is the tenant of the Freshservice-app fixture: its custom keys as Freshservice names them.
var roundTripOpts = mapping.Options{
	Attributes: map[string]string{
		"cost_center":   "cost_center_1185347412",
		"badge_number":  "badge_number",
		"remote_worker": "remote_worker",
	},
}

// roundTripSchemas are the schemas the HTTP surface serves that tenant's users with.
var roundTripSchemas = dialect.NewSchemas(mapping.UserSchema(), schema.ExtensionEnterpriseUser(), mapping.FreshserviceExtension(roundTripOpts.Attributes))

// TestEntraCreateRoundTrip takes Entra's create bodies through everything fsscim does with them:
// the dialect -> attributes -> User -> Freshservice write -> stored by Freshservice -> read back (with the echo of the
// write) -> SCIM attributes, and checks that every mapped attribute reads back exactly as Entra sent it.
func TestEntraCreateRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		// manager replaces the enterprise manager of the fixture: the Validator's rich body names a
		// manager id that cannot exist in Freshservice (see TestRichCreateWithTheValidatorsManager).
		manager string
		// compared is how many attributes the fixture carries that fsscim maps (a guard against a
		// comparison that silently compares nothing).
		compared int
		ignored  []string
	}{
		{
			name:     "plain",
			fixture:  "create_plain.json",
			compared: 7,
		},
		{
			name:     "rich",
			fixture:  "create_rich.json",
			manager:  "31000000417",
			compared: 25,
			// nickName, profileUrl, userType, the name's other parts and the enterprise employeeNumber,
			// costCenter, organization and division are kept by fsscim and read back; roles is not
			// declared.
			ignored: []string{
				`addresses[type eq "work"].country`, `addresses[type eq "work"].locality`,
				`addresses[type eq "work"].postalCode`, `addresses[type eq "work"].region`,
				`addresses[type eq "work"].streetAddress`,
				`phoneNumbers[type eq "fax"]`, "roles",
			},
		},
		{
			name:     "freshservice_app",
			fixture:  "create_freshservice_app.json",
			compared: 19,
			ignored:  []string{fsURN + ":shoe_size"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "entra", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			sent := mappingtest.DecodeBody(t, string(raw))
			if tt.manager != "" {
				sent[entURN].(map[string]any)["manager"] = map[string]any{"value": tt.manager}
			}
			body := mappingtest.DecodeBody(t, string(raw))
			if tt.manager != "" {
				body[entURN].(map[string]any)["manager"] = map[string]any{"value": tt.manager}
			}

			rep, err := dialect.Resource(body, dialect.Users, roundTripSchemas)
			if err != nil {
				t.Fatalf("dialect.Resource: %v", err)
			}
			opts := optsFor(roundTripOpts, rep)
			u, set, ignored, err := mapping.UserFromAttributes(body, opts)
			if err != nil {
				t.Fatalf("UserFromAttributes: %v", err)
			}
			if ignored := sortedNames(append(rep.Ignored, ignored...)); !reflect.DeepEqual(ignored, sortedNames(tt.ignored)) {
				t.Errorf("ignored = %q\nwant      %q", ignored, tt.ignored)
			}
			f, needs, warnings, err := mapping.FieldsFor(u, set, opts)
			if err != nil {
				t.Fatalf("FieldsFor: %v", err)
			}
			echo := mapping.EchoFor(u, set, f)

			fs := mappingtest.NewFreshservice()
			fu := freshlyCreated(roundTripOpts)
			fs.Store(t, &fu, u, set, f, needs)
			back := fs.ReadBack(fu, echo, opts)

			compareGolden(t, tt.name+".write.json", map[string]any{
				"write": mappingtest.WriteWire(t, f), "needs": needs, "warnings": warnings, "echo": echo,
			})
			compareGolden(t, tt.name+".scim.json", back)

			n := 0
			for _, p := range mappedPaths(roundTripOpts) {
				want, ok := p.get(sent)
				if !ok {
					continue
				}
				n++
				got, _ := p.get(mappingtest.JSONValue(t, back).(map[string]any))
				if !reflect.DeepEqual(mappingtest.JSONValue(t, got), mappingtest.JSONValue(t, want)) {
					t.Errorf("%s: Entra sent %v, fsscim answers %v", p.name, want, got)
				}
			}
			if n != tt.compared {
				t.Errorf("compared %d mapped attributes, want %d", n, tt.compared)
			}
		})
	}
}

// TestRichCreateWithTheValidatorsManager: the Validator's rich body names manager "XYMKVVRYDIOO",
// which is no Freshservice id; the write is refused with a SCIM error naming the value, not sent.
func TestRichCreateWithTheValidatorsManager(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "entra", "create_rich.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := mappingtest.DecodeBody(t, string(raw))
	if _, err := dialect.Resource(body, dialect.Users, roundTripSchemas); err != nil {
		t.Fatalf("dialect.Resource: %v", err)
	}
	u, set, _, err := mapping.UserFromAttributes(body, roundTripOpts)
	if err != nil {
		t.Fatalf("UserFromAttributes: %v", err)
	}
	if u.ManagerID != "XYMKVVRYDIOO" {
		t.Errorf("ManagerID = %q", u.ManagerID)
	}
	_, _, _, err = mapping.FieldsFor(u, set, roundTripOpts)
	var se scimerrors.ScimError
	if !errors.As(err, &se) || se.Status != 400 || se.ScimType != scimerrors.ScimTypeInvalidValue || !strings.Contains(se.Detail, `"XYMKVVRYDIOO"`) {
		t.Errorf("FieldsFor error = %v, want a 400 invalidValue naming the manager", err)
	}
}

// freshlyCreated is a Freshservice user as a create leaves it before the write's fields: account
// defaults, and every custom field present and null.
func freshlyCreated(opts mapping.Options) freshservice.User {
	fu := freshservice.User{
		ID: 31000001001, Active: true, TimeZone: "Eastern Time (US & Canada)", Language: "en", TimeFormat: "12h",
		SecondaryEmails: []string{}, DepartmentIDs: []int64{}, CustomFields: map[string]any{},
	}
	for _, key := range opts.Attributes {
		fu.CustomFields[key] = nil
	}
	return fu
}

// scimPath reads one mapped attribute out of a SCIM resource, the way Entra reads it to compare.
type scimPath struct {
	name string
	get  func(map[string]any) (any, bool)
}

// mappedPaths lists every attribute fsscim maps, for the comparison of what Entra sent with what it
// reads back.
func mappedPaths(opts mapping.Options) []scimPath {
	top := func(attr string) scimPath {
		return scimPath{attr, func(m map[string]any) (any, bool) { return present(m[attr]) }}
	}
	sub := func(obj, attr string) scimPath {
		return scimPath{obj + "." + attr, func(m map[string]any) (any, bool) {
			o, _ := m[obj].(map[string]any)
			return present(o[attr])
		}}
	}
	typed := func(attr, typ, field string) scimPath {
		return scimPath{attr + `[type eq "` + typ + `"].` + field, func(m map[string]any) (any, bool) {
			items, _ := m[attr].([]any)
			for _, it := range items {
				if o, _ := it.(map[string]any); o != nil && o["type"] == typ {
					return present(o[field])
				}
			}
			return nil, false
		}}
	}
	boolean := func(p scimPath) scimPath {
		return scimPath{p.name, func(m map[string]any) (any, bool) {
			v, ok := p.get(m)
			if s, isString := v.(string); ok && isString {
				b, err := strconv.ParseBool(s)
				return b, err == nil
			}
			return v, ok
		}}
	}
	paths := []scimPath{
		top("userName"), top("externalId"), boolean(top("active")), top("displayName"), top("title"),
		sub("name", "givenName"), sub("name", "familyName"),
		{"name.formatted", func(m map[string]any) (any, bool) {
			// Mapped only as Entra builds it by default: "givenName familyName".
			n, _ := m["name"].(map[string]any)
			given, _ := n["givenName"].(string)
			family, _ := n["familyName"].(string)
			if n["formatted"] != strings.TrimSpace(given+" "+family) {
				return nil, false
			}
			return present(n["formatted"])
		}},
		typed("emails", "work", "value"),
		typed("phoneNumbers", "work", "value"), typed("phoneNumbers", "mobile", "value"),
		typed("addresses", "work", "formatted"),
		top("timezone"), top("locale"), top("preferredLanguage"),
		sub(entURN, "department"),
		{entURN + ":manager", func(m map[string]any) (any, bool) {
			e, _ := m[entURN].(map[string]any)
			if s, ok := e["manager"].(string); ok {
				return present(s)
			}
			mgr, _ := e["manager"].(map[string]any)
			return present(mgr["value"])
		}},
		sub(entURN, "_location"),
		top("nickName"), top("profileUrl"), top("userType"),
		sub("name", "middleName"), sub("name", "honorificPrefix"), sub("name", "honorificSuffix"),
		sub(entURN, "employeeNumber"), sub(entURN, "costCenter"), sub(entURN, "organization"), sub(entURN, "division"),
		sub(fsURN, "location"),
		boolean(sub(fsURN, "isAgent")),
	}
	// Custom attributes are declared strings: a number or a boolean sent for one reads back as its
	// JSON text.
	text := func(p scimPath) scimPath {
		return scimPath{p.name, func(m map[string]any) (any, bool) {
			v, ok := p.get(m)
			switch x := v.(type) {
			case bool:
				return strconv.FormatBool(x), ok
			case json.Number:
				return x.String(), ok
			case float64:
				return strconv.FormatFloat(x, 'f', -1, 64), ok
			}
			return v, ok
		}}
	}
	for name := range opts.Attributes {
		paths = append(paths, text(sub(fsURN, name)))
	}
	return paths
}

func present(v any) (any, bool) {
	if v == nil || v == "" {
		return nil, false
	}
	return v, true
}

// compareGolden compares v, as indented JSON, with testdata/golden/name.
func compareGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	golden.Check(t, filepath.Join("testdata", "golden", name), append(got, '\n'))
}
