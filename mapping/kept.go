package mapping

import "strings"

// keptAttributes are the attributes /Schemas declares that Freshservice has no field for. fsscim
// keeps their values itself (in the user's record, as echoes with nothing stored in Freshservice) and
// answers them back, so that what a client writes it reads back, and Entra, which compares every
// attribute it maps (its default mapping sends employeeNumber), sees no difference. Keys are the
// attributes' SCIM paths as declared.
var keptAttributes = []string{
	"nickName", "profileUrl", "userType",
	"name.middleName", "name.honorificPrefix", "name.honorificSuffix",
	SchemaEnterprise + ":employeeNumber", SchemaEnterprise + ":costCenter",
	SchemaEnterprise + ":organization", SchemaEnterprise + ":division",
}

// keptKey is the key of the kept attribute a path names, in any case: schema is "" for the core
// schema or an extension URN, attr the attribute and sub its sub-attribute ("" for none).
func keptKey(schema, attr, sub string) (string, bool) {
	path := attr
	if sub != "" {
		path += "." + sub
	}
	if schema != "" {
		path = schema + ":" + path
	}
	for _, k := range keptAttributes {
		if strings.EqualFold(k, path) {
			return k, true
		}
	}
	return "", false
}

// isKept reports whether key is a kept attribute's key as declared.
func isKept(key string) bool {
	for _, k := range keptAttributes {
		if k == key {
			return true
		}
	}
	return false
}

// setKept sets a kept attribute of u; "" removes it.
func setKept(u *User, key, value string) {
	if value == "" {
		delete(u.Kept, key)
		return
	}
	if u.Kept == nil {
		u.Kept = map[string]string{}
	}
	u.Kept[key] = value
}

// keptEqual compares two sets of kept values.
func keptEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// putKept adds u's kept values to an answer: core attributes at the top, name parts in name, the
// enterprise extension's in its object.
func putKept(out, name, enterprise map[string]any, u User) {
	for key, v := range u.Kept {
		switch {
		case strings.HasPrefix(key, SchemaEnterprise+":"):
			enterprise[strings.TrimPrefix(key, SchemaEnterprise+":")] = v
		case strings.HasPrefix(key, "name."):
			name[strings.TrimPrefix(key, "name.")] = v
		default:
			out[key] = v
		}
	}
}
