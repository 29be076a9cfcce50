package dialect

import (
	lru "github.com/hashicorp/golang-lru/v2"
	filter "github.com/scim2/filter-parser/v2"
)

// PathParser parses SCIM paths, remembering what it found for short ones: parsing a path costs far
// more than the rest of a request's handling, and clients send the same few dozen paths over and
// over. It is safe for concurrent use; a nil PathParser parses without remembering.
type PathParser struct {
	parsed *lru.Cache[string, parsedPath]
}

type parsedPath struct {
	path filter.Path
	err  error
}

// NewPathParser returns a parser that remembers up to knownMemoSize paths.
func NewPathParser() *PathParser {
	parsed, _ := lru.New[string, parsedPath](knownMemoSize) // the size is positive, New cannot fail
	return &PathParser{parsed: parsed}
}

// Parse parses a path. The path returned is shared: callers only read it (DecodePatchWith copies it
// into each operation).
func (p *PathParser) Parse(s string) (filter.Path, error) {
	if p == nil || len(s) > knownMemoMaxPath {
		return filter.ParsePath([]byte(s))
	}
	if r, ok := p.parsed.Get(s); ok {
		return r.path, r.err
	}
	path, err := filter.ParsePath([]byte(s))
	p.parsed.Add(s, parsedPath{path: path, err: err})
	return path, err
}

// Len is how many paths are remembered.
func (p *PathParser) Len() int {
	if p == nil {
		return 0
	}
	return p.parsed.Len()
}
