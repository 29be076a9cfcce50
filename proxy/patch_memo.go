package proxy

import (
	"github.com/elimity-com/scim/schema"
	lru "github.com/hashicorp/golang-lru/v2"
	filter "github.com/scim2/filter-parser/v2"

	"github.com/fsscim/fsscim/proxy/dialect"
)

// patchMemo remembers, per resource type, what checking a PATCH path found: parsing a path with the
// SCIM library's parser costs more than the rest of a PATCH's handling in fsscim, and clients send
// the same few dozen paths over and over. It is shared by the tenants of one surface and safe for
// concurrent use; what it holds is never changed after it is stored.
type patchMemo struct {
	attrs  *lru.Cache[attrKey, attrResult] // pathAttribute's answers
	parsed *dialect.PathParser             // path-less operations' keys
}

// patchMemoSize bounds each cache: paths come from request bodies, so their variety is unbounded.
const patchMemoSize = 1024

// patchMemoMaxPath is the longest path remembered; longer ones are rare and would crowd the memo.
const patchMemoMaxPath = 256

type attrKey struct {
	remove bool // a remove's value filter may name other sub-attributes
	path   string
}

type attrResult struct {
	attr schema.CoreAttribute
	err  error
}

func newPatchMemo() *patchMemo {
	attrs, _ := lru.New[attrKey, attrResult](patchMemoSize)
	return &patchMemo{attrs: attrs, parsed: dialect.NewPathParser()}
}

// attribute is rt.findAttribute(op, path, text), remembered by the path's text (path.String()).
func (m *patchMemo) attribute(rt resourceType, op string, path *filter.Path, text string) (schema.CoreAttribute, error) {
	if m == nil || len(text) > patchMemoMaxPath {
		return rt.findAttribute(op, path, text)
	}
	key := attrKey{remove: op == "remove", path: text}
	if r, ok := m.attrs.Get(key); ok {
		return r.attr, r.err
	}
	attr, err := rt.findAttribute(op, path, text)
	m.attrs.Add(key, attrResult{attr: attr, err: err})
	return attr, err
}

// parse parses a path-less operation's key as a SCIM path, remembered by its text. The returned
// path is shared: callers only read it.
func (m *patchMemo) parse(key string) (filter.Path, error) {
	if m == nil {
		return filter.ParsePath([]byte(key))
	}
	return m.parsed.Parse(key)
}
