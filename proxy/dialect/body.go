package dialect

import (
	"sort"
	"strings"

	"github.com/fsscim/fsscim/mapping"
)

// setKey sets name, replacing any differently cased spelling of it.
func setKey(m map[string]any, name string, v any) {
	for k := range m {
		if strings.EqualFold(k, name) && k != name {
			delete(m, k)
		}
	}
	m[name] = v
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// rewritePath maps attribute names that Entra and the Freshservice app use but the schemas do not
// declare onto the attributes fsscim serves them as.
func rewritePath(path, resource string) string {
	if resource != Users {
		return path
	}
	lower := strings.ToLower(path)
	switch {
	case lower == "manager" || strings.HasPrefix(lower, "manager[") || strings.HasPrefix(lower, "manager."):
		// Entra's legacy form names the manager without its schema.
		return enterprisePrefix + path
	case strings.HasPrefix(lower, strings.ToLower(enterprisePrefix)+"_location"):
		// The Freshservice app maps physicalDeliveryOfficeName to enterprise "_location", a name the
		// SCIM grammar cannot parse; fsscim serves it as the Freshservice extension's location.
		return freshservicePrefix + "location" + path[len(enterprisePrefix)+len("_location"):]
	}
	return path
}

// isEnterpriseLocation reports whether path names the Freshservice app's enterprise "_location".
func isEnterpriseLocation(path, resource string) bool {
	return resource == Users && strings.HasPrefix(strings.ToLower(path), strings.ToLower(enterprisePrefix)+"_location")
}

// isManagerPath reports whether path is the enterprise manager (any form: plain, .value, [filter]).
func isManagerPath(path string) bool {
	lower := strings.ToLower(path)
	p := strings.ToLower(enterprisePrefix) + "manager"
	return lower == p || strings.HasPrefix(lower, p+"[") || strings.HasPrefix(lower, p+".")
}

// normalisePatchOps rewrites a PATCH request's operations; ops fsscim cannot apply because they name
// unknown attributes are dropped and returned as ignored.
func normalisePatchOps(body map[string]any, known Schemas, resource string) (out []any, rep Report) {
	raw, ok := mapping.Lookup(body, "Operations")
	if !ok {
		return nil, Report{}
	}
	list, ok := raw.([]any)
	if !ok {
		// Patch refuses Operations that are not a list before it gets here.
		return nil, Report{}
	}
	for _, item := range list {
		op, ok := item.(map[string]any)
		if !ok {
			out = append(out, item)
			continue
		}
		name, _ := mapping.Lookup(op, "op")
		opName := strings.ToLower(strings.TrimSpace(stringOf(name)))
		pathV, _ := mapping.Lookup(op, "path")
		path := strings.TrimSpace(stringOf(pathV))
		value, hasValue := mapping.Lookup(op, "value")
		if ext, isExt := known.extensions[strings.ToLower(path)]; isExt && opName == "remove" {
			// Removing a whole extension removes each of its attributes.
			for _, a := range ext.Attributes {
				out = append(out, map[string]any{"op": "remove", "path": ext.ID + ":" + a.Name()})
			}
			continue
		}
		if obj, isObj := value.(map[string]any); isObj && isExtensionURN(path) {
			// A path that is a whole extension: its value is that extension's attributes, as in a
			// path-less value.
			value, path = map[string]any{path: obj}, ""
		}

		if path != "" {
			rep.EnterpriseLocation = rep.EnterpriseLocation || isEnterpriseLocation(path, resource)
			path = rewritePath(path, resource)
			if resource == Users && isManagerPath(path) && strings.Contains(path, "[") {
				// remove manager[value eq "x"]: a filter on a single-valued attribute; the intent is
				// to clear the manager.
				path = enterprisePrefix + "manager"
			}
			if !known.Known(path) {
				rep.Ignored = append(rep.Ignored, path)
				continue
			}
			next := map[string]any{"op": opName, "path": path}
			switch {
			case (opName == "add" || opName == "replace") && hasValue && value == nil:
				// Clearing with null: validation refuses a null value, and a remove means the same.
				next["op"] = "remove"
			case hasValue:
				next["value"] = known.coerceAt(resource, path, value)
			}
			out = append(out, next)
			continue
		}

		values, ok := value.(map[string]any)
		if !ok || (opName != "add" && opName != "replace") {
			// Left for validation to refuse: a path-less operation is an add or a replace of an
			// object of attributes.
			out = append(out, op)
			continue
		}
		// A path-less value names attributes by their names (RFC 7644 §3.5.2.1). Entra also puts
		// paths there ("name.givenName", "urn:…:User:department"), and nested extension objects;
		// those become operations of their own, with the key as the path.
		plain := map[string]any{}
		var pathed, removes []any
		flat := flattenExtensions(values)
		keys := make([]string, 0, len(flat))
		for k := range flat {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := flat[k]
			switch strings.ToLower(k) {
			case "schemas", "id", "meta":
				// They describe the resource (Okta sends its id along); they change nothing.
				continue
			}
			rep.EnterpriseLocation = rep.EnterpriseLocation || isEnterpriseLocation(k, resource)
			k = rewritePath(k, resource)
			if !known.Known(k) {
				rep.Ignored = append(rep.Ignored, k)
				continue
			}
			if v == nil {
				removes = append(removes, map[string]any{"op": "remove", "path": k})
				continue
			}
			if sub, ok := v.(map[string]any); ok && !isManagerPath(k) {
				// {"name": {"familyName": null}} clears that sub-attribute; validation refuses nulls.
				for sk, sv := range sub {
					if p := k + "." + sk; sv == nil && known.parses(p) && known.Known(p) {
						removes = append(removes, map[string]any{"op": "remove", "path": p})
						delete(sub, sk)
					}
				}
				if len(sub) == 0 {
					continue
				}
			}
			if strings.ContainsAny(k, ".[:") {
				pathed = append(pathed, map[string]any{"op": opName, "path": k, "value": known.coerceAt(resource, k, v)})
				continue
			}
			plain[k] = known.coerceAt(resource, k, v)
		}
		if len(plain) > 0 {
			out = append(out, map[string]any{"op": opName, "value": plain})
		}
		out = append(out, pathed...)
		out = append(out, removes...)
	}
	return out, rep
}

// parses reports whether a PATCH path, with or without a schema URN, is in the SCIM path grammar.
func (k Schemas) parses(path string) bool {
	_, rest := splitURN(path)
	_, err := k.parsePath(rest)
	return err == nil
}

// flattenExtensions turns {"urn:…:User": {"department": "x"}} into {"urn:…:User:department": "x"}:
// each of those keys is then an attribute path of its own.
func flattenExtensions(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if nested, ok := v.(map[string]any); ok && isExtensionURN(k) {
			for nk, nv := range nested {
				out[k+":"+nk] = nv
			}
			continue
		}
		out[k] = v
	}
	return out
}

func isExtensionURN(k string) bool {
	if strings.EqualFold(k, mapping.SchemaEnterprise) || strings.EqualFold(k, mapping.SchemaFreshservice) {
		return true
	}
	// urn:ietf:params:scim:schemas:extension:<name>:<version>:User, the shape Entra's custom
	// extensions have; anything longer is an attribute of one (…:User:attr), not an extension.
	const prefix = "urn:ietf:params:scim:schemas:extension:"
	if len(k) <= len(prefix) || !strings.EqualFold(k[:len(prefix)], prefix) {
		return false
	}
	parts := strings.Split(k[len(prefix):], ":")
	return len(parts) == 3 && parts[0] != "" && isVersion(parts[1]) && parts[2] == "User"
}

// isVersion reports whether s looks like a schema version such as "2.0".
func isVersion(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// normaliseResource rewrites a POST/PUT body: nulls dropped, flattened extension keys nested, the
// Freshservice app's "_location" moved, every value coerced to its declared type.
func normaliseResource(body map[string]any, resource string, known Schemas) (rep Report) {
	for k, v := range body {
		if v == nil {
			delete(body, k)
		}
	}
	if resource != Users {
		known.coerceResource(body)
		return Report{}
	}
	// Top-level "urn:…:User:attr" keys belong inside their extension object.
	for k, v := range body {
		uri, attr := splitURN(k)
		if uri == "" || attr == "" || !isExtensionURN(uri) {
			continue
		}
		delete(body, k)
		ext, _ := body[canonicalURN(uri)].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
		}
		ext[attr] = v
		body[canonicalURN(uri)] = ext
	}
	// Validation looks extensions up by their URN as declared: a differently cased key would be lost.
	for k, v := range body {
		if c := canonicalURN(k); c != k && isExtensionURN(k) {
			delete(body, k)
			body[c] = v
		}
	}
	if ent, ok := body[mapping.SchemaEnterprise].(map[string]any); ok {
		for k, v := range ent {
			if v == nil {
				delete(ent, k)
			}
		}
		if loc, ok := mapping.Lookup(ent, "_location"); ok {
			rep.EnterpriseLocation = true
			for k := range ent {
				if strings.EqualFold(k, "_location") {
					delete(ent, k)
				}
			}
			fs, _ := body[mapping.SchemaFreshservice].(map[string]any)
			if fs == nil {
				fs = map[string]any{}
			}
			if _, has := mapping.Lookup(fs, "location"); !has {
				fs["location"] = loc
			}
			body[mapping.SchemaFreshservice] = fs
		}
		if m, ok := mapping.Lookup(ent, "manager"); ok {
			setKey(ent, "manager", managerValue(m))
		}
	}
	if fs, ok := body[mapping.SchemaFreshservice].(map[string]any); ok {
		for k, v := range fs {
			if v == nil {
				delete(fs, k)
			}
		}
	}
	known.coerceResource(body)
	// What no schema declares is dropped; it is reported when it carries something.
	for k, v := range body {
		switch strings.ToLower(k) {
		case "schemas", "meta", "id", "externalid":
			continue
		}
		unknown := !known.Known(k)
		if isExtensionURN(k) {
			_, declared := known.extensions[strings.ToLower(k)]
			unknown = !declared
		}
		if !unknown {
			if ext, ok := v.(map[string]any); ok && isExtensionURN(k) {
				rep.Ignored = append(rep.Ignored, dropUndeclared(ext, k, known)...)
			}
			continue
		}
		delete(body, k)
		if !mapping.CarriesNothing(v) {
			rep.Ignored = append(rep.Ignored, k)
		}
	}
	return rep
}

// isAttrName reports whether s is an attribute name of RFC 7643's grammar: ALPHA *("-" / "_" / DIGIT
// / ALPHA).
func isAttrName(s string) bool {
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '-' || r == '_'):
		default:
			return false
		}
	}
	return s != ""
}

// dropUndeclared removes from an extension object the attributes its schema does not declare, or whose
// names are not attribute names (the library would hand them on untyped), and names those that carried
// something.
func dropUndeclared(ext map[string]any, urn string, known Schemas) (ignored []string) {
	for attr, v := range ext {
		// A plain attribute name needs no parse (the parser is the costly part); any other key must
		// parse as a path before the schemas are asked, as Known lets unparsable paths through.
		if path := urn + ":" + attr; (isAttrName(attr) || known.parses(path)) && known.Known(path) {
			continue
		}
		delete(ext, attr)
		if !mapping.CarriesNothing(v) {
			ignored = append(ignored, urn+":"+attr)
		}
	}
	return ignored
}

// canonicalURN spells the extension URNs fsscim declares exactly as declared.
func canonicalURN(k string) string {
	switch {
	case strings.EqualFold(k, mapping.SchemaEnterprise):
		return mapping.SchemaEnterprise
	case strings.EqualFold(k, mapping.SchemaFreshservice):
		return mapping.SchemaFreshservice
	}
	return k
}
