package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// The request bodies below follow what Entra's provisioning service sends: a create with the core and enterprise schemas, PATCHes in the default ("legacy") dialect
// with one capitalised op per attribute and "True"/"False" strings, or in the aadOptscim062020
// ("flag") dialect with lower-case ops, JSON booleans and a path-less replace whose keys are dotted or
// URN-qualified.

const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaMSGroup    = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
	schemaPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	pathDepartment   = schemaEnterprise + ":department"
	pathWorkPhone    = `phoneNumbers[type eq "work"].value`
)

// Dialects of Entra's PATCH requests.
const (
	dialectLegacy = "legacy"
	dialectFlag   = "flag"
	dialectBoth   = "both"
)

var givenNames = []string{"Olivia", "Liam", "Amara", "Noah", "Sofia", "Mateo", "Aisha", "Lucas", "Mei", "Elias",
	"Zara", "Hugo", "Priya", "Jonas", "Freya", "Omar", "Ines", "Kenji", "Leila", "Tomas"}

var familyNames = []string{"Smith", "Garcia", "Okafor", "Nguyen", "Müller", "Rossi", "Kowalski", "Haddad",
	"Tanaka", "Silva", "Johansson", "Dubois", "Patel", "O'Brien", "Novak", "Fischer", "Costa", "Moreau",
	"Ivanova", "Lindqvist"}

var titles = []string{"Account Executive", "Software Engineer", "Financial Analyst", "Support Specialist",
	"Product Manager", "HR Partner", "Designer", "Data Scientist"}

// loadUser is one directory user as Entra sees it.
type loadUser struct {
	userName   string
	externalID string
	given      string
	family     string
	title      string
	phone      string
	department string
	legacy     bool   // which PATCH dialect this user's provisioning job speaks
	id         string // fsscim's id, once created
}

// makeUsers builds n users. run makes the emails unique per run against a real tenant; departments
// (possibly none) are handed out in turn.
func makeUsers(n int, run string, departments []string, dialect string) []loadUser {
	users := make([]loadUser, n)
	for i := range users {
		given := givenNames[i%len(givenNames)]
		family := familyNames[(i/len(givenNames))%len(familyNames)]
		local := fmt.Sprintf("%s.%s.%05d", strings.ToLower(given), asciiLower(family), i)
		if run != "" {
			local += "." + run
		}
		u := loadUser{
			userName:   local + "@contoso-load.example.com",
			externalID: guid(run, i),
			given:      given,
			family:     family,
			title:      titles[i%len(titles)],
			phone:      fmt.Sprintf("+1 425 555 %04d", i%10000),
		}
		if len(departments) > 0 {
			u.department = departments[i%len(departments)]
		}
		switch dialect {
		case dialectLegacy:
			u.legacy = true
		case dialectBoth:
			u.legacy = i%2 == 0
		}
		users[i] = u
	}
	return users
}

// asciiLower keeps the letters an email local part may hold.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == 'ü':
			b.WriteString("ue")
		}
	}
	return b.String()
}

// guid makes a stable object id in Entra's format.
func guid(run string, i int) string {
	h := uint32(2166136261)
	for _, c := range []byte(run) {
		h = (h ^ uint32(c)) * 16777619
	}
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", h, i>>16&0xffff, i>>4&0xfff, i&0xfff, uint64(i)*2654435761&0xffffffffffff)
}

// lookupPath is Entra's match query: a filter on userName, encoded as Entra encodes it.
func lookupPath(userName string) string {
	return "/Users?filter=" + url.QueryEscape(fmt.Sprintf("userName eq %q", userName))
}

// testConnectionPath is Test Connection's query for a random user that does not exist.
func testConnectionPath() string {
	return lookupPath(guid(randomHex(4), 0))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode request body: %v", err))
	}
	return b
}

// createBody is Entra's POST /Users for u.
func createBody(u loadUser) []byte {
	var active any = true
	if u.legacy {
		active = "True"
	}
	body := map[string]any{
		"schemas":     []string{schemaUser, schemaEnterprise},
		"externalId":  u.externalID,
		"userName":    u.userName,
		"active":      active,
		"displayName": u.given + " " + u.family,
		"title":       u.title,
		"emails":      []map[string]any{{"primary": true, "type": "work", "value": u.userName}},
		"meta":        map[string]any{"resourceType": "User"},
		"name": map[string]any{
			"formatted":  u.given + " " + u.family,
			"familyName": u.family,
			"givenName":  u.given,
		},
		"phoneNumbers": []map[string]any{{"type": "work", "value": u.phone}},
		"roles":        []any{},
	}
	if u.department != "" {
		body[schemaEnterprise] = map[string]any{"department": u.department}
	}
	return mustJSON(body)
}

// changed is u after an edit in the directory: a new title, phone and department.
func changed(u loadUser, departments []string, i int) loadUser {
	u.title = "Senior " + u.title
	u.phone = fmt.Sprintf("+1 206 555 %04d", i%10000)
	if len(departments) > 1 {
		u.department = departments[(i+1)%len(departments)]
	}
	return u
}

// patchBody is the PATCH an incremental cycle sends for the attributes that differ between was and
// now, in u's dialect.
func patchBody(was, now loadUser) []byte {
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path,omitempty"`
		Value any    `json:"value"`
	}
	var ops []op
	if now.legacy {
		if was.title != now.title {
			ops = append(ops, op{"Replace", "title", now.title})
		}
		if was.phone != now.phone {
			ops = append(ops, op{"Replace", pathWorkPhone, now.phone})
		}
		if was.department != now.department {
			ops = append(ops, op{"Replace", pathDepartment, now.department})
		}
	} else {
		// Filtered multi-valued paths stay operations of their own; the rest is merged.
		if was.phone != now.phone {
			ops = append(ops, op{"replace", pathWorkPhone, now.phone})
		}
		merged := map[string]any{}
		if was.title != now.title {
			merged["title"] = now.title
		}
		if was.department != now.department {
			merged[pathDepartment] = now.department
		}
		if len(merged) > 0 {
			ops = append(ops, op{Op: "replace", Value: merged})
		}
	}
	return mustJSON(map[string]any{"schemas": []string{schemaPatchOp}, "Operations": ops})
}

// disableBody is the PATCH Entra sends when a user leaves the app's scope.
func disableBody(legacy bool) []byte {
	if legacy {
		return []byte(`{"schemas":["` + schemaPatchOp + `"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
	}
	return []byte(`{"schemas":["` + schemaPatchOp + `"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
}

// groupName names load group i.
func groupName(run string, i int) string {
	name := fmt.Sprintf("Load Group %03d", i)
	if run != "" {
		name += " " + run
	}
	return name
}

// groupLookupPath is Entra's match query for a group: by displayName, without members.
func groupLookupPath(name string) string {
	return "/Groups?excludedAttributes=members&filter=" + url.QueryEscape(fmt.Sprintf("displayName eq %q", name))
}

// groupCreateBody is Entra's POST /Groups: no members, and Microsoft's extra schema URI.
func groupCreateBody(name, externalID string) []byte {
	return mustJSON(map[string]any{
		"schemas":     []string{schemaGroup, schemaMSGroup},
		"externalId":  externalID,
		"displayName": name,
		"meta":        map[string]any{"resourceType": "Group"},
	})
}

// addMembersBody is one batch of members added to a group.
func addMembersBody(ids []string, legacy bool) []byte {
	members := make([]map[string]any, len(ids))
	for i, id := range ids {
		members[i] = map[string]any{"$ref": nil, "value": id}
	}
	opName := "add"
	if legacy {
		opName = "Add"
	}
	return mustJSON(map[string]any{
		"schemas":    []string{schemaPatchOp},
		"Operations": []map[string]any{{"op": opName, "path": "members", "value": members}},
	})
}

// scimUser is what the tool reads back from a SCIM user to compare it with what it sent.
type scimUser struct {
	ID           string `json:"id"`
	UserName     string `json:"userName"`
	ExternalID   string `json:"externalId"`
	Title        string `json:"title"`
	Active       any    `json:"active"`
	PhoneNumbers []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"phoneNumbers"`
	Name struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"name"`
	Enterprise struct {
		Department string `json:"department"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

// differences lists the attributes Entra would find changed between what it sent (u) and what it
// read back: each one would make Entra PATCH again on every cycle.
func differences(u loadUser, got scimUser) []string {
	var diff []string
	check := func(attr, want, have string) {
		if want != have {
			diff = append(diff, fmt.Sprintf("%s: sent %q, read %q", attr, want, have))
		}
	}
	check("userName", u.userName, got.UserName)
	check("externalId", u.externalID, got.ExternalID)
	check("title", u.title, got.Title)
	check("name.givenName", u.given, got.Name.GivenName)
	check("name.familyName", u.family, got.Name.FamilyName)
	phone := ""
	for _, p := range got.PhoneNumbers {
		if p.Type == "work" {
			phone = p.Value
		}
	}
	check(pathWorkPhone, u.phone, phone)
	check("department", u.department, got.Enterprise.Department)
	return diff
}
