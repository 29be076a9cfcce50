package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 reports decoding problems as text naming Go types. These patterns pick the line and the
// offending key or value out of them so the message can speak in the file's own terms.
var (
	reUnknownField  = regexp.MustCompile(`^line (\d+): field (.+) not found in type (\S+)$`)
	reFieldTwice    = regexp.MustCompile(`^line (\d+): field (.+) already set in type (\S+)$`)
	reKeyTwice      = regexp.MustCompile(`^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
	reCannotDecode  = regexp.MustCompile("(?s)^line (\\d+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (\\S+)$")
	reSyntax        = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)
	reLineAndReason = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
)

// typeAt is the Go type (pointers removed) a key path of a tenant file decodes into, or nil for a
// path outside the file's schema.
func typeAt(path string) reflect.Type {
	t := reflect.TypeOf(tenantFile{})
	if path == "" {
		return t
	}
	for _, seg := range strings.Split(strings.ReplaceAll(path, "[", ".["), ".") {
		switch {
		case strings.HasPrefix(seg, "["):
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := fieldByKey(t, seg)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return t
}

// yamlKeys lists the keys a struct type accepts, in declaration order.
func yamlKeys(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if k := yamlKey(t.Field(i)); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if yamlKey(t.Field(i)) == key {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func yamlKey(f reflect.StructField) string {
	return strings.Split(f.Tag.Get("yaml"), ",")[0]
}

// translateDecodeError turns a yaml.v3 error into one FileError per problem.
func translateDecodeError(file string, err error, ix *yamlIndex) []error {
	var typeErr *yaml.TypeError
	if !errors.As(err, &typeErr) {
		if m := reSyntax.FindStringSubmatch(err.Error()); m != nil {
			return []error{&FileError{File: file, Line: atoi(m[1]),
				Problem: "not valid YAML: " + m[2] + "; check the indentation and quote values holding ':' or '#'"}}
		}
		return []error{&FileError{File: file,
			Problem: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	out := make([]error, 0, len(typeErr.Errors))
	for _, msg := range typeErr.Errors {
		out = append(out, translateTypeProblem(file, msg, ix))
	}
	return out
}

func translateTypeProblem(file, msg string, ix *yamlIndex) error {
	if m := reUnknownField.FindStringSubmatch(msg); m != nil {
		line, key := atoi(m[1]), m[2]
		path := ix.keyPathAt(line, key)
		return &FileError{File: file, Line: line, Key: path,
			Problem: unknownKeyProblem(key, yamlKeys(typeAt(parentKey(path))))}
	}
	if m := reFieldTwice.FindStringSubmatch(msg); m != nil {
		line, key := atoi(m[1]), m[2]
		path := ix.keyPathAt(line, key)
		return &FileError{File: file, Line: line, Key: path, Problem: "set more than once; keep only one",
			undecoded: &path}
	}
	if m := reKeyTwice.FindStringSubmatch(msg); m != nil {
		line, key := atoi(m[1]), m[2]
		// yaml.v3 leaves the whole mapping holding the repeated key undecoded.
		path := ix.keyPathAt(line, key)
		parent := parentKey(path)
		return &FileError{File: file, Line: line, Key: path,
			Problem: fmt.Sprintf("set more than once (first at line %s); keep only one", m[3]), undecoded: &parent}
	}
	if m := reCannotDecode.FindStringSubmatch(msg); m != nil {
		line, tag, shown, target := atoi(m[1]), m[2], m[3], m[4]
		e := ix.valueAt(line, tag, shown, target)
		if e == nil || target == reflect.TypeOf(tenantFile{}).String() {
			whole := ""
			return &FileError{File: file, Line: line, undecoded: &whole,
				Problem: "the file must be a YAML mapping of keys, starting with domain: <account>.freshservice.com"}
		}
		return &FileError{File: file, Line: line, Key: e.path, Problem: wrongKindProblem(e, target),
			undecoded: &e.path}
	}
	if m := reLineAndReason.FindStringSubmatch(msg); m != nil {
		return &FileError{File: file, Line: atoi(m[1]), Problem: m[2]}
	}
	return &FileError{File: file, Problem: msg}
}

// maxLinesToLocate bounds the search for a syntax error's line (one parse per line): tenant files
// are a few dozen lines long.
const maxLinesToLocate = 2000

// syntaxProblem reports a YAML syntax error at the line that causes it, or nil when err is not a
// syntax error. yaml.v3 often names the line where the enclosing block or flow collection starts, or
// the line before a stray tab; the line after the longest start of the file that still parses is the
// one to fix. A tab in the indentation, which YAML forbids and editors hide, is named as such.
func syntaxProblem(file string, data []byte, err error) *FileError {
	m := reSyntax.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	line, reason := atoi(m[1]), m[2]
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) <= maxLinesToLocate {
		for k := len(lines) - 1; k >= 0; k-- {
			var n yaml.Node
			if yaml.Unmarshal([]byte(strings.Join(lines[:k], "")), &n) == nil {
				line = k + 1
				break
			}
		}
	}
	if line >= 1 && line <= len(lines) {
		text := lines[line-1]
		indent := text[:len(text)-len(strings.TrimLeft(text, " \t"))]
		if strings.Contains(indent, "\t") || (strings.Contains(reason, "tab") && strings.Contains(text, "\t")) {
			return &FileError{File: file, Line: line,
				Problem: "indented with a tab; YAML indents with spaces only, so replace the tab with spaces"}
		}
	}
	return &FileError{File: file, Line: line,
		Problem: "not valid YAML: " + reason + "; check the indentation and quote values holding ':' or '#'"}
}

// keyPathAt finds the full path of a key written on a line (several keys share a line in flow style).
func (ix *yamlIndex) keyPathAt(line int, key string) string {
	for _, e := range ix.entries {
		if e.line == line && e.key == key {
			return e.path
		}
	}
	return key
}

// valueAt finds the value yaml.v3 complained about. The message names the line, the value's tag, at
// most the first seven characters of the value and the Go type it should have become; several values
// can share a line in flow style, so all of these are matched.
func (ix *yamlIndex) valueAt(line int, tag, shown, target string) *yamlEntry {
	prefix := strings.TrimSuffix(shown, "...")
	var fallback *yamlEntry
	for i := range ix.entries {
		e := &ix.entries[i]
		if e.node.Line != line || e.node.ShortTag() != tag {
			continue
		}
		if e.node.Kind == yaml.ScalarNode && !strings.HasPrefix(e.node.Value, prefix) {
			continue
		}
		if t := typeAt(e.path); t != nil && t.String() == target {
			return e
		}
		if fallback == nil {
			fallback = e
		}
	}
	return fallback
}

func unknownKeyProblem(key string, allowed []string) string {
	list := strings.Join(allowed, ", ")
	if near := closestKey(key, allowed); near != "" {
		return fmt.Sprintf("unknown key; did you mean %s? (allowed here: %s)", near, list)
	}
	if len(allowed) == 0 {
		return "unknown key; remove it"
	}
	return "unknown key; remove it or use one of: " + list
}

func wrongKindProblem(e *yamlEntry, target string) string {
	written := "a mapping"
	switch e.node.Kind {
	case yaml.ScalarNode:
		written = strconv.Quote(e.node.Value)
	case yaml.SequenceNode:
		written = "a list"
	}
	switch {
	case target == "bool":
		return written + " is not true or false; write true or false"
	case strings.HasPrefix(target, "int") || strings.HasPrefix(target, "uint"):
		return written + " is not a whole number; write digits only, e.g. 100"
	case target == "string":
		return "must be a single value, not " + written + "; write it on the same line, quoted if it holds ':' or '#'"
	case strings.HasPrefix(target, "[]"):
		return "must be a list, not " + written + "; write [a, b] or one '- item' per line"
	case strings.HasPrefix(target, "map["):
		return "must be a mapping of name: value pairs, not " + written + "; or {} for none"
	default:
		return fmt.Sprintf("must be a mapping with the keys %s, not %s; or {} for the defaults",
			strings.Join(yamlKeys(typeAt(e.path)), ", "), written)
	}
}

// closestKey suggests the allowed key a misspelt key most likely meant, or "".
func closestKey(key string, allowed []string) string {
	type scored struct {
		key  string
		dist int
	}
	var best []scored
	for _, a := range allowed {
		best = append(best, scored{a, editDistance(strings.ToLower(key), a)})
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].dist < best[j].dist })
	if len(best) == 0 || best[0].dist > 2 || best[0].dist >= len(key) {
		return ""
	}
	return best[0].key
}

// editDistance is the Levenshtein distance between two short keys.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
