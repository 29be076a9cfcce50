// Package scimfilter reads, checks and evaluates SCIM filters: the whole grammar of RFC 7644
// §3.4.2.2 (eq ne co sw ew gt ge lt le pr; and, or, not; parentheses; value paths such as
// emails[type eq "work"]), plus the form Entra sends outside that grammar,
// emails[type eq "work"].value eq "x". Parse reads the syntax; a Catalog resolves attribute names
// against what a server holds and compiles a Filter, which evaluates against any Resource without
// allocating. It is pure: no I/O, no clock.
package scimfilter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Bounds on what Parse reads. A filter from a provisioning client is a few hundred bytes with one or
// two comparisons; the bounds keep a hostile one from costing more than a short parse and a short scan.
const (
	MaxLength      = 8192 // bytes
	MaxDepth       = 16   // nested parentheses, "not" and value paths
	MaxComparisons = 256
)

// Parse reads a filter. An empty filter is an error: callers treat "no filter" themselves.
func Parse(raw string) (Expr, error) {
	if len(raw) > MaxLength {
		return nil, &Error{Reason: fmt.Sprintf("the filter is longer than %d bytes", MaxLength)}
	}
	if !utf8.ValidString(raw) {
		return nil, &Error{Reason: "the filter is not valid UTF-8"}
	}
	p := &parser{src: raw}
	p.skipSpace()
	if p.pos == len(p.src) {
		return nil, &Error{Reason: "the filter is empty"}
	}
	e, err := p.parseOr(0, false)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return nil, p.errAt(p.pos, "unexpected text after the end of the filter")
	}
	return e, nil
}

type parser struct {
	src         string
	pos         int
	comparisons int
}

func (p *parser) errAt(at int, reason string) *Error {
	end := at
	for end < len(p.src) && end-at < 40 && p.src[end] != ' ' {
		end++
	}
	part := p.src[at:end]
	if part == "" {
		part = "the end of the filter"
		return &Error{Reason: reason + " at " + part}
	}
	return &Error{Part: part, Reason: reason}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// keyword reports whether the word at the position is kw (any case) followed by a space, a
// parenthesis or the end, and consumes it.
func (p *parser) keyword(kw string) bool {
	end := p.pos + len(kw)
	if end > len(p.src) || !strings.EqualFold(p.src[p.pos:end], kw) {
		return false
	}
	if end < len(p.src) && !isSpace(p.src[end]) && p.src[end] != '(' {
		return false
	}
	p.pos = end
	return true
}

// parseOr reads disjunctions of conjunctions. inBrackets says the filter is a value path's, whose
// paths are sub-attributes and which may hold no value path itself.
func (p *parser) parseOr(depth int, inBrackets bool) (Expr, error) {
	return p.parseJoined(orJunction, p.parseAnd, depth, inBrackets)
}

func (p *parser) parseAnd(depth int, inBrackets bool) (Expr, error) {
	return p.parseJoined(andJunction, p.parseUnary, depth, inBrackets)
}

// A junction is how terms are joined: the keyword between them and the expression they make.
type junction struct {
	kw   string
	join func(terms []Expr) Expr
	// terms are the terms of an expression of the same kind, which flatten merges.
	terms func(e Expr) ([]Expr, bool)
}

var (
	orJunction = junction{"or",
		func(terms []Expr) Expr { return Or{Terms: terms} },
		func(e Expr) ([]Expr, bool) { o, ok := e.(Or); return o.Terms, ok }}
	andJunction = junction{"and",
		func(terms []Expr) Expr { return And{Terms: terms} },
		func(e Expr) ([]Expr, bool) { a, ok := e.(And); return a.Terms, ok }}
)

// parseJoined reads one or more terms, each by next, joined by j's keyword.
func (p *parser) parseJoined(j junction, next func(depth int, inBrackets bool) (Expr, error), depth int, inBrackets bool) (Expr, error) {
	first, err := next(depth, inBrackets)
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for {
		save := p.pos
		p.skipSpace()
		if p.pos == save || !p.keyword(j.kw) {
			p.pos = save
			break
		}
		p.skipSpace()
		t, err := next(depth, inBrackets)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return j.join(flatten(terms, j.terms)), nil
}

// flatten merges nested terms of the same kind, so (a and b) and c is one conjunction of three.
func flatten(terms []Expr, same func(Expr) ([]Expr, bool)) []Expr {
	out := make([]Expr, 0, len(terms))
	for _, t := range terms {
		if inner, ok := same(t); ok {
			out = append(out, inner...)
			continue
		}
		out = append(out, t)
	}
	return out
}

func (p *parser) parseUnary(depth int, inBrackets bool) (Expr, error) {
	start := p.pos
	if p.keyword("not") {
		p.skipSpace()
		if p.pos >= len(p.src) || p.src[p.pos] != '(' {
			return nil, p.errAt(start, `"not" must be followed by a filter in parentheses`)
		}
		x, err := p.parseGroup(depth, inBrackets)
		if err != nil {
			return nil, err
		}
		return Not{X: x}, nil
	}
	if p.pos < len(p.src) && p.src[p.pos] == '(' {
		return p.parseGroup(depth, inBrackets)
	}
	return p.parseAttrExp(depth, inBrackets)
}

// parseGroup reads "(" filter ")".
func (p *parser) parseGroup(depth int, inBrackets bool) (Expr, error) {
	return p.parseEnclosed(depth, inBrackets, ')', "parenthesis")
}

// parseEnclosed reads a filter one level deeper, from the opening character at the position to
// closing; what names the pair ("parenthesis") when it is not closed.
func (p *parser) parseEnclosed(depth int, inBrackets bool, closing byte, what string) (Expr, error) {
	if depth+1 > MaxDepth {
		return nil, &Error{Reason: fmt.Sprintf("the filter is nested deeper than %d levels", MaxDepth)}
	}
	open := p.pos
	p.pos++
	p.skipSpace()
	x, err := p.parseOr(depth+1, inBrackets)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != closing {
		return nil, p.errAt(open, "the "+what+" opened here is not closed")
	}
	p.pos++
	return x, nil
}

// parseAttrExp reads `path pr`, `path op value`, `path[filter]` or Entra's `path[filter].sub op value`.
func (p *parser) parseAttrExp(depth int, inBrackets bool) (Expr, error) {
	start := p.pos
	path, err := p.parsePath(inBrackets)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) && p.src[p.pos] == '[' {
		if inBrackets {
			return nil, p.errAt(start, "a value filter cannot hold another value filter")
		}
		if path.Sub != "" {
			return nil, p.errAt(start, "a value filter applies to an attribute, not to a sub-attribute")
		}
		inner, err := p.parseEnclosed(depth, true, ']', "bracket")
		if err != nil {
			return nil, err
		}
		vp := ValuePath{Path: path, Filter: inner}
		if p.pos < len(p.src) && p.src[p.pos] == '.' {
			// Entra's attr[filter].sub op value: a value that satisfies filter and whose sub
			// satisfies the comparison, which is attr[filter and sub op value] in RFC 7644's grammar.
			p.pos++
			subStart := p.pos
			name := p.readName()
			if name == "" {
				return nil, p.errAt(subStart, "a sub-attribute name must follow the dot")
			}
			cmp, err := p.parseComparison(Path{Name: name}, start)
			if err != nil {
				return nil, err
			}
			vp.Filter = And{Terms: flatten([]Expr{inner, cmp}, func(e Expr) ([]Expr, bool) { a, ok := e.(And); return a.Terms, ok })}
		}
		return vp, nil
	}
	return p.parseComparison(path, start)
}

// parseComparison reads ` op value` or ` pr` after path.
func (p *parser) parseComparison(path Path, start int) (Expr, error) {
	if p.pos >= len(p.src) || !isSpace(p.src[p.pos]) {
		if p.pos >= len(p.src) {
			return nil, p.errAt(start, "an operator must follow the attribute")
		}
		return nil, p.errAt(p.pos, "unexpected character in an attribute path")
	}
	p.skipSpace()
	opStart := p.pos
	for p.pos < len(p.src) && isLetter(p.src[p.pos]) {
		p.pos++
	}
	op, ok := opNamed(p.src[opStart:p.pos])
	if !ok {
		if opStart == p.pos {
			return nil, p.errAt(start, "an operator must follow the attribute")
		}
		return nil, p.errAt(opStart, "is not an operator (eq ne co sw ew gt ge lt le pr)")
	}
	p.comparisons++
	if p.comparisons > MaxComparisons {
		return nil, &Error{Reason: fmt.Sprintf("the filter holds more than %d comparisons", MaxComparisons)}
	}
	if op == OpPr {
		return Compare{Path: path, Op: OpPr}, nil
	}
	if p.pos >= len(p.src) || !isSpace(p.src[p.pos]) {
		return nil, p.errAt(start, "a value must follow the operator")
	}
	p.skipSpace()
	v, err := p.parseLiteral()
	if err != nil {
		return nil, err
	}
	return Compare{Path: path, Op: op, Value: v}, nil
}

// parsePath reads [URN ":"] name ["." sub]. A URN holds colons and dots ("2.0"), so the attribute
// starts after the last colon of the word.
func (p *parser) parsePath(inBrackets bool) (Path, error) {
	start := p.pos
	for p.pos < len(p.src) && isPathChar(p.src[p.pos]) {
		p.pos++
	}
	word := p.src[start:p.pos]
	if word == "" {
		if p.pos >= len(p.src) {
			return Path{}, p.errAt(start, "an attribute name is missing")
		}
		return Path{}, p.errAt(start, "an attribute name was expected")
	}
	var path Path
	rest := word
	if i := strings.LastIndexByte(word, ':'); i >= 0 {
		path.URN, rest = word[:i], word[i+1:]
		if path.URN == "" {
			return Path{}, p.errAt(start, "an attribute name cannot start with a colon")
		}
	}
	name, sub, hasSub := strings.Cut(rest, ".")
	if !validName(name) || hasSub && !validName(sub) || strings.Contains(sub, ".") {
		return Path{}, p.errAt(start, "is not an attribute path")
	}
	if inBrackets && (path.URN != "" || hasSub) {
		return Path{}, p.errAt(start, "inside brackets, name a sub-attribute of the bracketed attribute")
	}
	path.Name, path.Sub = name, sub
	return path, nil
}

// readName reads an attribute name at the position ("" when there is none).
func (p *parser) readName() string {
	start := p.pos
	for p.pos < len(p.src) && (isNameChar(p.src[p.pos]) || p.pos == start && p.src[p.pos] == '$') {
		p.pos++
	}
	if !validName(p.src[start:p.pos]) {
		p.pos = start
		return ""
	}
	return p.src[start:p.pos]
}

// validName is RFC 7643's ATTRNAME (ALPHA *(nameChar)), "$ref", and a name starting with "_", which
// RFC 7643 does not allow but Freshservice's own SCIM app uses (the enterprise "_location").
func validName(s string) bool {
	if s == "$ref" {
		return true
	}
	if s == "" || !isLetter(s[0]) && s[0] != '_' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isNameChar(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }
func isPathChar(c byte) bool { return isNameChar(c) || c == ':' || c == '.' || c == '$' }

// parseLiteral reads a JSON string, a JSON number, true, false or null.
func (p *parser) parseLiteral() (Literal, error) {
	start := p.pos
	if p.pos >= len(p.src) {
		return Literal{}, p.errAt(start, "a value must follow the operator")
	}
	c := p.src[p.pos]
	switch {
	case c == '"':
		s, end, err := decodeString(p.src, p.pos)
		if err != "" {
			return Literal{}, p.errAt(start, err)
		}
		p.pos = end
		return Literal{Kind: LitString, Text: s}, p.endOfValue(start)
	case c == '-' || isDigit(c):
		end := scanNumber(p.src, p.pos)
		if end == p.pos {
			return Literal{}, p.errAt(start, "is not a number")
		}
		p.pos = end
		return Literal{Kind: LitNumber, Text: p.src[start:end]}, p.endOfValue(start)
	}
	for _, kw := range []struct {
		word string
		kind LiteralKind
	}{{"true", LitTrue}, {"false", LitFalse}, {"null", LitNull}} {
		end := p.pos + len(kw.word)
		if end <= len(p.src) && strings.EqualFold(p.src[p.pos:end], kw.word) && (end == len(p.src) || !isPathChar(p.src[end])) {
			p.pos = end
			return Literal{Kind: kw.kind}, p.endOfValue(start)
		}
	}
	return Literal{}, p.errAt(start, "values must be quoted strings, numbers, true, false or null")
}

// endOfValue checks that a value is followed by a space, a closing parenthesis or bracket, or the end.
func (p *parser) endOfValue(start int) error {
	if p.pos == len(p.src) || isSpace(p.src[p.pos]) || p.src[p.pos] == ')' || p.src[p.pos] == ']' {
		return nil
	}
	return p.errAt(start, "unexpected text right after the value")
}

// scanNumber returns the end of the JSON number at i (i when there is none).
func scanNumber(s string, i int) int {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	digits := j
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == digits || s[digits] == '0' && j-digits > 1 {
		return i
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j+1 {
			return i
		}
		j = k
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		d := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == d {
			return i
		}
		j = k
	}
	return j
}

// decodeString decodes the JSON string starting with the quote at i; it returns the text, the index
// after the closing quote, and a reason when the string is malformed.
func decodeString(s string, i int) (string, int, string) {
	var b strings.Builder
	j := i + 1
	plain := j
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			if b.Len() == 0 {
				return s[plain:j], j + 1, ""
			}
			b.WriteString(s[plain:j])
			return b.String(), j + 1, ""
		case c < 0x20:
			return "", 0, "a string holds a control character; escape it"
		case c == '\\':
			b.WriteString(s[plain:j])
			if j+1 >= len(s) {
				return "", 0, "the string is not closed"
			}
			switch e := s[j+1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				b.WriteByte(shortEscapes[e])
				j += 2
			case 'u':
				r, n, ok := decodeUnicodeEscape(s, j)
				if !ok {
					return "", 0, "a \\u escape needs four hexadecimal digits"
				}
				b.WriteRune(r)
				j += n
			default:
				return "", 0, fmt.Sprintf("\\%c is not a JSON escape", e)
			}
			plain = j
		default:
			j++
		}
	}
	return "", 0, "the string is not closed"
}

// shortEscapes are the bytes JSON's two-character escapes stand for, by the character after the
// backslash.
var shortEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// decodeUnicodeEscape reads \uXXXX at i (and a low surrogate after a high one); it returns the rune
// and the bytes read.
func decodeUnicodeEscape(s string, i int) (rune, int, bool) {
	hex4 := func(at int) (rune, bool) {
		if at+6 > len(s) || s[at] != '\\' || s[at+1] != 'u' {
			return 0, false
		}
		var r rune
		for _, c := range []byte(s[at+2 : at+6]) {
			var d byte
			switch {
			case isDigit(c):
				d = c - '0'
			case c >= 'a' && c <= 'f':
				d = c - 'a' + 10
			case c >= 'A' && c <= 'F':
				d = c - 'A' + 10
			default:
				return 0, false
			}
			r = r<<4 | rune(d)
		}
		return r, true
	}
	r, ok := hex4(i)
	if !ok {
		return 0, 0, false
	}
	if r >= 0xD800 && r < 0xDC00 {
		if lo, ok := hex4(i + 6); ok && lo >= 0xDC00 && lo < 0xE000 {
			return (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000, 12, true
		}
		return utf8.RuneError, 6, true
	}
	if r >= 0xDC00 && r < 0xE000 {
		return utf8.RuneError, 6, true
	}
	return r, 6, true
}
