package dialect

import (
	"strings"

	"github.com/elimity-com/scim/schema"
	"github.com/fsscim/fsscim/mapping"
	lru "github.com/hashicorp/golang-lru/v2"
	filter "github.com/scim2/filter-parser/v2"
)

// Resources a request may address.
const (
	Users  = "Users"
	Groups = "Groups"
)

// Schemas are the schemas a resource's attributes may come from: the core schema and its extensions,
// by URN. One value serves every tenant whose schemas are the same; it is safe for concurrent use.
type Schemas struct {
	core       schema.Schema
	extensions map[string]schema.Schema // by lower-cased URN
	// memo holds Known's answers by path: parsing a path costs far more than the rest of a request's
	// normalising, and clients send the same few dozen paths over and over.
	memo *lru.Cache[string, bool]
	// paths parses the paths of PATCH operations and body keys, remembering them for the same reason.
	paths *PathParser
}

// knownMemoSize bounds the memo: paths come from request bodies, so their variety is unbounded.
const knownMemoSize = 1024

// knownMemoMaxPath is the longest path memoised; longer ones are rare and would crowd the memo.
const knownMemoMaxPath = 256

// NewSchemas returns the schemas of a resource: its core schema and its extensions.
func NewSchemas(core schema.Schema, extensions ...schema.Schema) Schemas {
	memo, _ := lru.New[string, bool](knownMemoSize)
	byURN := make(map[string]schema.Schema, len(extensions))
	for _, e := range extensions {
		byURN[strings.ToLower(e.ID)] = e
	}
	return Schemas{core: core, extensions: byURN, memo: memo, paths: NewPathParser()}
}

// parsePath parses a path (a PATCH operation's, or one a body's key names) through the schemas'
// PathParser.
func (k Schemas) parsePath(s string) (filter.Path, error) { return k.paths.Parse(s) }

// Core is the resource's core schema.
func (k Schemas) Core() schema.Schema { return k.core }

// Known reports whether a path names an attribute of the resource's schemas.
func (k Schemas) Known(path string) bool {
	if k.memo == nil || len(path) > knownMemoMaxPath {
		return k.lookup(path)
	}
	if v, ok := k.memo.Get(path); ok {
		return v
	}
	v := k.lookup(path)
	k.memo.Add(path, v)
	return v
}

// lookup is Known without the memo.
func (k Schemas) lookup(path string) bool {
	uri, rest := splitURN(path)
	if uri == "" && strings.EqualFold(rest, "externalId") {
		// A common attribute: in no schema's attribute list, but every resource has it.
		return true
	}
	sch := k.core
	if uri != "" && !strings.EqualFold(uri, k.core.ID) {
		var ok bool
		if sch, ok = k.extensions[strings.ToLower(uri)]; !ok {
			return false
		}
	}
	p, err := k.parsePath(rest)
	if err != nil {
		// Let the PATCH decoder answer 400 invalidPath for a path that does not parse.
		return true
	}
	attr, ok := sch.Attributes.ContainsAttribute(p.AttributePath.AttributeName)
	if !ok {
		return false
	}
	sub := p.AttributePath.SubAttributeName()
	if sub == "" && p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	if sub != "" {
		if !attr.HasSubAttributes() {
			return false
		}
		if _, ok := attr.SubAttributes().ContainsAttribute(sub); !ok {
			return false
		}
	}
	return true
}

// splitURN splits "urn:…:User:attr.sub" into the schema URN and the rest. The URN is everything up to
// the last colon before any value filter ('['); the "2.0" in a URN has a dot, so dots cannot be used.
// A path without a URN prefix has an empty URN.
func splitURN(path string) (uri, rest string) {
	if !strings.HasPrefix(strings.ToLower(path), "urn:") {
		return "", path
	}
	head := path
	if i := strings.IndexByte(path, '['); i >= 0 {
		head = path[:i]
	}
	j := strings.LastIndexByte(head, ':')
	return path[:j], path[j+1:]
}

const (
	enterprisePrefix   = mapping.SchemaEnterprise + ":"
	freshservicePrefix = mapping.SchemaFreshservice + ":"
)
