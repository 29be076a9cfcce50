package config

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yamlIndex remembers where every key and value of a tenant file sits, so that messages can name the
// key and the line instead of a Go type.
type yamlIndex struct {
	entries []yamlEntry
	byPath  map[string]int // path -> index into entries (first occurrence)
}

type yamlEntry struct {
	path string     // dotted path, e.g. "users.agent_defaults.roles[0].role_id"
	key  string     // the key as written; empty for sequence elements
	line int        // line of the key, or of the element for sequence elements
	node *yaml.Node // the value
}

func indexYAML(root *yaml.Node) *yamlIndex {
	ix := &yamlIndex{byPath: map[string]int{}}
	if root != nil {
		ix.walk("", root)
	}
	return ix
}

func (ix *yamlIndex) walk(path string, n *yaml.Node) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			ix.walk(path, c)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinKey(path, k.Value)
			ix.add(yamlEntry{path: p, key: k.Value, line: k.Line, node: v})
			ix.walk(p, v)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := path + "[" + strconv.Itoa(i) + "]"
			ix.add(yamlEntry{path: p, line: c.Line, node: c})
			ix.walk(p, c)
		}
	}
	// Aliases are not followed: they point at nodes indexed where they were defined.
}

func (ix *yamlIndex) add(e yamlEntry) {
	if _, seen := ix.byPath[e.path]; !seen {
		ix.byPath[e.path] = len(ix.entries)
	}
	ix.entries = append(ix.entries, e)
}

// line is the line of a key, or of its nearest written parent when the key itself is absent (a
// missing role_id is reported at its role), or 0.
func (ix *yamlIndex) line(path string) int {
	for path != "" {
		if i, ok := ix.byPath[path]; ok {
			return ix.entries[i].line
		}
		path = parentKey(path)
	}
	return 0
}

func joinKey(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// parentKey strips the last ".key" or "[i]" from a path.
func parentKey(path string) string {
	cut := strings.LastIndexAny(path, ".[")
	if cut < 0 {
		return ""
	}
	return path[:cut]
}
