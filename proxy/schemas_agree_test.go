package proxy_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// schemaAttrs indexes /Schemas: for each schema URN, its attributes by lower-cased name.
type schemaAttrs map[string]map[string]map[string]any

func loadSchemaAttrs(t *testing.T, h *harness) schemaAttrs {
	t.Helper()
	r := h.do(http.MethodGet, "/scim/v2/Schemas", nil)
	wantStatus(t, r, http.StatusOK)
	out := schemaAttrs{}
	for _, s := range r.JSON(t)["Resources"].([]any) {
		id, _ := jsonAt(s, "id").(string)
		out[id] = indexAttrs(jsonAt(s, "attributes"))
	}
	return out
}

func indexAttrs(v any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := v.([]any)
	for _, a := range list {
		m, _ := a.(map[string]any)
		name, _ := m["name"].(string)
		out[strings.ToLower(name)] = m
	}
	return out
}

// checkAgainst reports every attribute of value that attrs does not declare, or declares with another
// type.
func checkAgainst(t *testing.T, where string, attrs map[string]map[string]any, value map[string]any) {
	t.Helper()
	for name, v := range value {
		decl, ok := attrs[strings.ToLower(name)]
		if !ok {
			t.Errorf("%s%s is answered but not declared", where, name)
			continue
		}
		checkValue(t, where+name, decl, v)
	}
}

func checkValue(t *testing.T, where string, decl map[string]any, v any) {
	t.Helper()
	if decl["multiValued"] == true {
		list, ok := v.([]any)
		if !ok {
			t.Errorf("%s is declared multi-valued and answered as %T", where, v)
			return
		}
		single := map[string]any{}
		for k, x := range decl {
			single[k] = x
		}
		single["multiValued"] = false
		for i, item := range list {
			checkValue(t, fmt.Sprintf("%s[%d]", where, i), single, item)
		}
		return
	}
	typ, _ := decl["type"].(string)
	ok := false
	switch typ {
	case "string", "reference", "dateTime", "binary":
		_, ok = v.(string)
	case "boolean":
		_, ok = v.(bool)
	case "integer", "decimal":
		_, ok = v.(float64)
	case "complex":
		var obj map[string]any
		if obj, ok = v.(map[string]any); ok {
			checkAgainst(t, where+".", indexAttrs(decl["subAttributes"]), obj)
		}
	}
	if !ok {
		t.Errorf("%s is declared %s and answered as %T (%v)", where, typ, v, v)
	}
	if canon, _ := decl["canonicalValues"].([]any); len(canon) > 0 && typ == "string" {
		s, _ := v.(string)
		found := false
		for _, c := range canon {
			if strings.EqualFold(fmt.Sprint(c), s) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s = %q is none of the canonical values %v", where, s, canon)
		}
	}
}

// checkResource checks a resource answer against the schemas it names: core attributes at the top,
// each extension's under its URN.
func checkResource(t *testing.T, all schemaAttrs, core string, res map[string]any) {
	t.Helper()
	top := map[string]any{}
	for k, v := range res {
		switch k {
		case "id", "externalId", "meta", "schemas":
			continue
		}
		if ext, ok := all[k]; ok && k != core {
			obj, _ := v.(map[string]any)
			checkAgainst(t, k+":", ext, obj)
			continue
		}
		top[k] = v
	}
	checkAgainst(t, "", all[core], top)
}

// TestRFC7643_2_AnswersMatchSchemas: every attribute a user or group answer carries is declared in
// /Schemas, with the type it is declared with (isAgent a string, as declared; no undeclared
// "_location" for a client that does not write it).
func TestRFC7643_2_AnswersMatchSchemas(t *testing.T) {
	h := newHarness(t, withTenant("attributes: {costCentre: cf_cost_centre}"), withEmulator(freshservicetest.Options{
		CustomFields: []freshservicetest.CustomField{{Name: "cf_cost_centre", Type: freshservicetest.CustomText}}}))
	h.emu.AddDepartment("Engineering")
	h.emu.AddLocation("Berlin")
	boss := seedPerson(h, "boss.schemas@example.com", nil)
	r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{"schemas":["%CORE%","%ENT%","%FS%"],
		"userName":"schemas@example.com","externalId":"ext-1","active":true,"displayName":"Sam Schemas","title":"Lead",
		"name":{"givenName":"Sam","familyName":"Schemas","formatted":"Sam Schemas"},
		"emails":[{"type":"work","value":"sam.work@example.com","primary":true}],
		"phoneNumbers":[{"type":"work","value":"+49 30 1234"},{"type":"mobile","value":"0170 1234"}],
		"addresses":[{"type":"work","formatted":"1 Main St"}],
		"timezone":"Europe/Berlin","locale":"de-DE","preferredLanguage":"de-DE",
		"%ENT%":{"department":"Engineering","manager":{"value":"%MGR%"}},
		"%FS%":{"isAgent":"True","location":"Berlin","costCentre":"CC-1"}}`, map[string]string{"MGR": idString(boss.ID)}))
	wantStatus(t, r, http.StatusCreated)
	id, _ := r.JSON(t)["id"].(string)

	all := loadSchemaAttrs(t, h)
	checkResource(t, all, urnCoreUser, r.JSON(t))
	get := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil)
	wantStatus(t, get, http.StatusOK)
	checkResource(t, all, urnCoreUser, get.JSON(t))
	if got := jsonAt(get.JSON(t), urnFreshservice, "isAgent"); got != "True" {
		t.Errorf("isAgent = %#v, want the string the client sent", got)
	}

	g := h.do(http.MethodPost, "/scim/v2/Groups", map[string]any{
		"schemas": []string{urnCoreGroup}, "displayName": "Schemas", "members": []any{map[string]any{"value": idString(boss.ID)}},
	})
	wantStatus(t, g, http.StatusCreated)
	checkResource(t, all, urnCoreGroup, g.JSON(t))
}

// TestEntraFlow_IsAgentReadsBackAsSent: Entra compares the isAgent text it sends with the text it
// reads back, so fsscim answers the spelling it was sent; a PATCH that only respells the value
// changes nothing in Freshservice and is read back in the new spelling.
func TestEntraFlow_IsAgentReadsBackAsSent(t *testing.T) {
	h := newHarness(t)
	id := h.createUser(entraBody(`{"schemas":["%CORE%","%FS%"],"userName":"ida@example.com",
		"name":{"givenName":"Ida","familyName":"Agent"},"%FS%":{"isAgent":"True"}}`, nil))
	if got := jsonAt(h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t), urnFreshservice, "isAgent"); got != "True" {
		t.Fatalf("isAgent read back as %#v, want \"True\"", got)
	}

	patchWritesNothing(t, h, id, `{"op":"replace","path":"%FS%:isAgent","value":"true"}`,
		"respelling isAgent")
	if got := jsonAt(h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t), urnFreshservice, "isAgent"); got != "true" {
		t.Errorf("isAgent read back as %#v after the respelling, want \"true\"", got)
	}

	// A user whose agent state Freshservice decided answers "true"/"false".
	plain := seedPerson(h, "plain.requester@example.com", nil)
	if got := jsonAt(h.do(http.MethodGet, "/scim/v2/Users/"+idString(plain.ID), nil).JSON(t), urnFreshservice, "isAgent"); got != "false" {
		t.Errorf("a requester fsscim did not write answers isAgent %#v, want \"false\"", got)
	}
}

// TestEntraFlow_FreshserviceAppLocation: jobs moved from Freshservice's own Entra app write the
// office as the enterprise "_location", a name /Schemas cannot declare. Those users read it back
// there (Entra compares it there); users whose location is written as the Freshservice extension's
// location never carry the undeclared name.
func TestEntraFlow_FreshserviceAppLocation(t *testing.T) {
	h := newHarness(t)
	h.emu.AddLocation("Berlin")
	id := h.createUser(entraBody(`{"schemas":["%CORE%","%ENT%"],"userName":"app@example.com",
		"name":{"givenName":"App","familyName":"User"},"%ENT%":{"_location":"Berlin"}}`, nil))
	get := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t)
	if got := jsonAt(get, urnEnterprise, "_location"); got != "Berlin" {
		t.Errorf("enterprise _location read back as %#v, want Berlin", got)
	}

	// Entra's next cycle sends the same office again: nothing to write.
	patchWritesNothing(t, h, id, `{"op":"Replace","path":"%ENT%:_location","value":"Berlin"}`,
		"the same office")

	other := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{"schemas":["%CORE%","%FS%"],"userName":"ext@example.com",
		"name":{"givenName":"Ext","familyName":"User"},"%FS%":{"location":"Berlin"}}`, nil))
	wantStatus(t, other, http.StatusCreated)
	if got := jsonAt(other.JSON(t), urnEnterprise, "_location"); got != nil {
		t.Errorf("a user whose location was written as the extension's carries _location %#v", got)
	}
	oid, _ := other.JSON(t)["id"].(string)

	// The first PATCH naming the office as _location, for a user that already has it, is only
	// remembered: Entra then reads it back where it writes it.
	patchWritesNothing(t, h, oid, `{"op":"Replace","path":"%ENT%:_location","value":"Berlin"}`,
		"naming the same office as _location")
	if got := jsonAt(h.do(http.MethodGet, "/scim/v2/Users/"+oid, nil).JSON(t), urnEnterprise, "_location"); got != "Berlin" {
		t.Errorf("_location read back as %#v after Entra named it so, want Berlin", got)
	}
}

// TestRFC7644_3_5_WhatIsWrittenReadsBack: attributes /Schemas declares but Freshservice cannot hold
// (nickName, profileUrl, userType, name's middle name and honorifics, the enterprise employeeNumber,
// costCenter, organization, division) are kept by fsscim and read back; changing only them writes
// nothing to Freshservice; a PUT that leaves one out clears it.
func TestRFC7644_3_5_WhatIsWrittenReadsBack(t *testing.T) {
	h := newHarness(t)
	id := h.createUser(entraBody(`{"schemas":["%CORE%","%ENT%"],"userName":"kept@example.com",
		"nickName":"Kee","profileUrl":"https://example.com/kee","userType":"Contractor",
		"name":{"givenName":"Kay","familyName":"Kept","middleName":"M","honorificPrefix":"Dr.","honorificSuffix":"III"},
		"%ENT%":{"employeeNumber":"E-1","costCenter":"CC","organization":"Org","division":"Div"}}`, nil))
	want := map[string][]any{
		"nickName": {"nickName"}, "profileUrl": {"profileUrl"}, "userType": {"userType"},
		"middleName": {"name", "middleName"}, "honorificPrefix": {"name", "honorificPrefix"}, "honorificSuffix": {"name", "honorificSuffix"},
		"employeeNumber": {urnEnterprise, "employeeNumber"}, "costCenter": {urnEnterprise, "costCenter"},
		"organization": {urnEnterprise, "organization"}, "division": {urnEnterprise, "division"},
	}
	sent := map[string]string{"nickName": "Kee", "profileUrl": "https://example.com/kee", "userType": "Contractor",
		"middleName": "M", "honorificPrefix": "Dr.", "honorificSuffix": "III",
		"employeeNumber": "E-1", "costCenter": "CC", "organization": "Org", "division": "Div"}
	get := h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t)
	for name, path := range want {
		if got := jsonAt(get, path...); got != sent[name] {
			t.Errorf("%s read back as %#v, want %q", name, got, sent[name])
		}
	}

	patchWritesNothing(t, h, id, `{"op":"Replace","path":"%ENT%:employeeNumber","value":"E-2"},{"op":"remove","path":"nickName"}`,
		"changing only kept attributes")
	get = h.do(http.MethodGet, "/scim/v2/Users/"+id, nil).JSON(t)
	if got := jsonAt(get, urnEnterprise, "employeeNumber"); got != "E-2" {
		t.Errorf("employeeNumber after PATCH = %#v, want E-2", got)
	}
	if got := jsonAt(get, "nickName"); got != nil {
		t.Errorf("nickName after remove = %#v, want none", got)
	}

	put := h.do(http.MethodPut, "/scim/v2/Users/"+id, entraBody(`{"schemas":["%CORE%"],"userName":"kept@example.com",
		"name":{"givenName":"Kay","familyName":"Kept"},"userType":"Employee"}`, nil))
	wantStatus(t, put, http.StatusOK)
	body := put.JSON(t)
	if got := jsonAt(body, "userType"); got != "Employee" {
		t.Errorf("userType after PUT = %#v", got)
	}
	for _, path := range [][]any{{"name", "middleName"}, {urnEnterprise, "employeeNumber"}, {"profileUrl"}} {
		if got := jsonAt(body, path...); got != nil {
			t.Errorf("%v survived a PUT that left it out: %#v", path, got)
		}
	}
}

// TestRFC7644_3_3_UndeclaredAttributesAreIgnored: ims, photos, entitlements, roles, x509Certificates
// and password are not declared (Freshservice cannot hold them, and fsscim keeps no lists of
// structured values nor any password); a client that sends them is told by /Schemas, and what it
// sends is ignored and logged, never refused.
func TestRFC7644_3_3_UndeclaredAttributesAreIgnored(t *testing.T) {
	h := newHarness(t)
	all := loadSchemaAttrs(t, h)
	for _, name := range []string{"ims", "photos", "entitlements", "roles", "x509certificates", "password"} {
		if _, declared := all[urnCoreUser][name]; declared {
			t.Errorf("/Schemas declares %s", name)
		}
	}
	for _, name := range []string{"nickname", "emails", "groups"} {
		if _, declared := all[urnCoreUser][name]; !declared {
			t.Errorf("/Schemas does not declare %s", name)
		}
	}
	r := h.do(http.MethodPost, "/scim/v2/Users", entraBody(`{"schemas":["%CORE%"],"userName":"ignored@example.com",
		"name":{"givenName":"Ig","familyName":"Nored"},"password":"S3cret-Passw0rd!",
		"roles":[{"primary":"True","value":"Admin","type":"WindowsAzureActiveDirectoryRole"}],"photos":[{"value":"https://example.com/p.png"}]}`, nil))
	wantStatus(t, r, http.StatusCreated)
	for _, name := range []string{"password", "roles", "photos"} {
		if v, has := r.JSON(t)[name]; has {
			t.Errorf("the answer carries %s: %v", name, v)
		}
	}
	if strings.Contains(h.logs.String(), "S3cret-Passw0rd!") {
		t.Error("the password reached the log")
	}
	id, _ := r.JSON(t)["id"].(string)
	patchWritesNothing(t, h, id, `{"op":"Add","path":"roles","value":[{"value":"{\"id\":\"06b0\",\"value\":\"Admin\"}"}]}`,
		"an ignored attribute")
	if !strings.Contains(h.logs.String(), `"roles"`) {
		t.Error("the log does not name the ignored roles")
	}
}

// patchWritesNothing sends Entra's PATCH of user id with ops (entraBody's placeholders) and fails
// the test unless it is answered 200 without a write to Freshservice; what names the change.
func patchWritesNothing(t *testing.T, h *harness, id, ops, what string) {
	t.Helper()
	h.emu.ResetCalls()
	p := h.do(http.MethodPatch, "/scim/v2/Users/"+id, entraBody(`{"schemas":["%PATCH%"],"Operations":[`+ops+`]}`, nil))
	wantStatus(t, p, http.StatusOK)
	if w := writes(h); len(w) > 0 {
		t.Errorf("%s wrote to Freshservice: %v", what, w)
	}
}
