package dialect

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/elimity-com/scim/schema"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/mapping"
)

// FuzzNormaliseBody feeds the Entra normaliser arbitrary JSON bodies, as a user or group create/replace
// and as a PATCH. It must never panic (nor may the SCIM library on what it hands on), and what it
// hands on must be what the library can take: JSON that encodes, no nulls where the library refuses
// them, only attributes the schemas know, the manager as {"value": id}, Freshservice extension values
// as strings, booleans sent as text as JSON booleans. Normalising twice must change nothing more. Seeds are in testdata/fuzz/FuzzNormaliseBody
// (run: go test -run '^$' -fuzz '^FuzzNormaliseBody$' -fuzztime 100000x ./proxy/dialect/).
func FuzzNormaliseBody(f *testing.F) {
	tenant := costCenterTenant("fuzz.freshservice.com")
	f.Add(true, false, []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@b.c","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"7"}`))
	f.Add(true, true, []byte(`{"Operations":[{"op":"Replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":null,"manager":{"Value":3}}}}]}`))
	f.Add(true, true, []byte(`{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`))
	f.Add(true, false, []byte(`{"userName":"a@b.c","active":"True","emails":[{"value":"a@b.c","primary":"True"}]}`))
	f.Add(false, true, []byte(`{"Operations":[{"op":"Add","path":"members","value":[{"value":"1"}]},{"op":"remove","path":"members[value eq \"2\"]"}]}`))
	f.Fuzz(func(t *testing.T, users, patch bool, raw []byte) {
		body, ok := fzDecode(raw)
		if !ok {
			return
		}
		resource := "Groups"
		if users {
			resource = "Users"
		}
		known := fzSchemas(tenant, resource)
		if patch {
			fzCheckNormalisedPatch(t, body, known, resource)
			return
		}
		normaliseResource(body, resource, known)
		out := fzMustRoundTrip(t, body)
		fzCheckNormalisedResource(t, out, resource)
		again, _ := fzDecode(fzMustEncode(t, out))
		normaliseResource(again, resource, known)
		if twice := fzMustRoundTrip(t, again); !reflect.DeepEqual(twice, out) {
			t.Fatalf("normalising twice changed the body:\n once: %s\ntwice: %s", fzMustEncode(t, out), fzMustEncode(t, twice))
		}
		// The library validates what the normaliser hands on; it must answer, not panic.
		_, _ = known.core.Validate(fzCloneJSON(t, out))
	})
}

// costCenterTenant is a tenant with one custom attribute, costCenter.
func costCenterTenant(domain string) *config.Tenant {
	return &config.Tenant{Domain: domain, Attributes: map[string]string{"costCenter": "cf_cost_center"}}
}

func fzSchemas(t *config.Tenant, resource string) Schemas {
	if resource == Groups {
		return NewSchemas(schema.CoreGroupSchema())
	}
	return NewSchemas(mapping.UserSchema(), schema.ExtensionEnterpriseUser(), mapping.FreshserviceExtension(t.Attributes))
}

// fzDecode decodes as readJSONBody does; only JSON objects get to the normaliser.
func fzDecode(raw []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var body map[string]any
	if dec.Decode(&body) != nil || dec.More() || body == nil {
		return nil, false
	}
	return body, true
}

func fzMustEncode(t *testing.T, v any) []byte {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("the normalised body does not encode: %v", err)
	}
	return out
}

// fzMustRoundTrip encodes v as the normaliser does before the library reads it, and decodes it again.
func fzMustRoundTrip(t *testing.T, v map[string]any) map[string]any {
	t.Helper()
	out, ok := fzDecode(fzMustEncode(t, v))
	if !ok {
		t.Fatalf("the normalised body is not a JSON object")
	}
	return out
}

func fzCloneJSON(t *testing.T, v map[string]any) map[string]any {
	var out map[string]any
	if err := json.Unmarshal(fzMustEncode(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func fzCheckNormalisedResource(t *testing.T, body map[string]any, resource string) {
	t.Helper()
	for k, v := range body {
		if v == nil {
			t.Fatalf("attribute %q is left null", k)
		}
		if resource != "Users" {
			continue
		}
		if uri, attr := splitURN(k); uri != "" && attr != "" && isExtensionURN(uri) {
			t.Fatalf("extension attribute %q is left outside its extension object", k)
		}
		if isExtensionURN(k) && canonicalURN(k) != k {
			t.Fatalf("extension %q is not spelled as declared", k)
		}
	}
	if resource != "Users" {
		return
	}
	if v, ok := mapping.Lookup(body, "active"); ok {
		fzCheckCoercedBoolean(t, "active", v)
	}
	if ent, ok := body[mapping.SchemaEnterprise].(map[string]any); ok {
		for k, v := range ent {
			if v == nil {
				t.Fatalf("enterprise attribute %q is left null", k)
			}
			if strings.EqualFold(k, "_location") {
				t.Fatalf("enterprise _location is left for the library, which cannot parse the name")
			}
		}
		if m, ok := mapping.Lookup(ent, "manager"); ok {
			fzCheckManager(t, m)
		}
	}
	if fs, ok := body[mapping.SchemaFreshservice].(map[string]any); ok {
		for k, v := range fs {
			switch v.(type) {
			case nil, bool, json.Number:
				t.Fatalf("Freshservice extension attribute %q is %T, not a string", k, v)
			}
		}
	}
}

// fzCheckCoercedBoolean fails when a boolean attribute is left as text the one boolean rule reads.
func fzCheckCoercedBoolean(t *testing.T, name string, v any) {
	t.Helper()
	if s, ok := v.(string); ok {
		if _, isBoolean := mapping.ParseBoolean(s); isBoolean {
			t.Fatalf("boolean %s is left as the text %q", name, s)
		}
	}
}

func fzCheckManager(t *testing.T, m any) {
	t.Helper()
	obj, ok := m.(map[string]any)
	if !ok {
		// Values the normaliser cannot read as a manager are left for validation to refuse.
		return
	}
	if v, has := obj["value"]; has {
		if _, ok := v.(string); !ok {
			t.Fatalf("manager value %v is %T, not a string", v, v)
		}
	}
}

func fzCheckNormalisedPatch(t *testing.T, body map[string]any, known Schemas, resource string) {
	t.Helper()
	ops, rep := normalisePatchOps(body, known, resource)
	ignored := rep.Ignored
	encoded := fzMustEncode(t, ops)
	var list []any
	dec := json.NewDecoder(bytes.NewReader(encoded))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil && len(ops) > 0 {
		t.Fatalf("normalised operations do not decode: %v", err)
	}
	for _, item := range list {
		op, ok := item.(map[string]any)
		if !ok {
			continue // left for the library to refuse
		}
		name, _ := op["op"].(string)
		path, _ := op["path"].(string)
		if path == "" {
			continue // path-less: checked by the library against the schemas
		}
		if !known.parses(path) {
			continue // the PATCH decoder answers 400 invalidPath for it
		}
		if name != strings.ToLower(name) {
			t.Fatalf("operation name %q is not lower-cased", name)
		}
		if !known.Known(path) {
			t.Fatalf("operation on %q, which no schema knows, was handed on (ignored: %q)", path, ignored)
		}
		value, hasValue := op["value"]
		if (name == "add" || name == "replace") && hasValue && value == nil {
			t.Fatalf("%s of %q with a null value was handed on", name, path)
		}
		if resource == "Users" && strings.EqualFold(path, "active") && hasValue {
			fzCheckCoercedBoolean(t, path, value)
		}
		if resource == "Users" && isManagerPath(path) && !strings.Contains(strings.ToLower(path), "manager.") && hasValue {
			fzCheckManager(t, value)
		}
		if resource == "Users" && strings.HasPrefix(strings.ToLower(path), strings.ToLower(freshservicePrefix)) {
			switch value.(type) {
			case bool, json.Number:
				t.Fatalf("Freshservice extension value for %q is %T, not a string", path, value)
			}
		}
		// The library checks each value against the schema; it must answer, not panic.
		if m, ok := value.(map[string]any); ok {
			_ = known.core.ValidatePatchOperationValue(name, fzCloneJSON(t, m))
		}
	}
	if fzPaddedNames(body) {
		// A path or key with white space around it is trimmed in one place and not in another; the
		// library refuses it either way, so only the checks above apply.
		return
	}
	// Normalising the normalised operations again changes nothing and ignores nothing more.
	again, _ := fzDecode(fzMustEncode(t, map[string]any{"Operations": ops}))
	ops2, rep2 := normalisePatchOps(again, known, resource)
	if ignored2 := rep2.Ignored; len(ignored2) != 0 {
		t.Fatalf("second pass ignored %q that the first pass handed on", ignored2)
	}
	// (Paths are compared trimmed: the first pass may hand on an unparsable path that the library
	// refuses either way.)
	if !bytes.Equal(fzCanonicalJSON(t, fzTrimPaths(ops2)), fzCanonicalJSON(t, fzTrimPaths(ops))) {
		t.Fatalf("normalising twice changed the operations:\n once: %s\ntwice: %s", fzMustEncode(t, ops), fzMustEncode(t, ops2))
	}
}

// fzCanonicalJSON re-encodes v through a generic decode, so that equal documents compare equal.
func fzCanonicalJSON(t *testing.T, v any) []byte {
	t.Helper()
	var generic any
	dec := json.NewDecoder(bytes.NewReader(fzMustEncode(t, v)))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		t.Fatal(err)
	}
	return fzMustEncode(t, generic)
}

func fzTrimPaths(ops []any) []any {
	out := make([]any, len(ops))
	for i, item := range ops {
		op, ok := item.(map[string]any)
		if !ok {
			out[i] = item
			continue
		}
		c := make(map[string]any, len(op))
		for k, v := range op {
			if p, ok := v.(string); ok && k == "path" {
				v = strings.TrimSpace(p)
			}
			c[k] = v
		}
		out[i] = c
	}
	return out
}

// fzPaddedNames reports whether any object key or "path" value in v has white space around it.
func fzPaddedNames(v any) bool {
	padded := func(s string) bool { return s != strings.TrimSpace(s) }
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if padded(k) {
				return true
			}
			if p, ok := e.(string); ok && strings.EqualFold(k, "path") && padded(p) {
				return true
			}
			if fzPaddedNames(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if fzPaddedNames(e) {
				return true
			}
		}
	}
	return false
}
