package scimfilter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Op is a comparison operator.
type Op uint8

// The operators of RFC 7644 §3.4.2.2.
const (
	OpEq Op = iota + 1
	OpNe
	OpCo
	OpSw
	OpEw
	OpGt
	OpGe
	OpLt
	OpLe
	OpPr
)

var opNames = [...]string{OpEq: "eq", OpNe: "ne", OpCo: "co", OpSw: "sw", OpEw: "ew", OpGt: "gt", OpGe: "ge", OpLt: "lt", OpLe: "le", OpPr: "pr"}

func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

func opNamed(s string) (Op, bool) {
	for op, name := range opNames {
		if name != "" && strings.EqualFold(s, name) {
			return Op(op), true
		}
	}
	return 0, false
}

// Path is an attribute path as written: an optional schema URN, the attribute and an optional
// sub-attribute. Inside a value path's brackets, Name is a sub-attribute of the bracketed attribute.
type Path struct {
	URN  string
	Name string
	Sub  string
}

func (p Path) String() string {
	s := p.Name
	if p.Sub != "" {
		s += "." + p.Sub
	}
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	return s
}

// LiteralKind says what a comparison value is.
type LiteralKind uint8

// Literal kinds (RFC 7644's compValue).
const (
	LitString LiteralKind = iota + 1
	LitNumber
	LitTrue
	LitFalse
	LitNull
)

// Literal is a comparison value: a string (decoded), a number (as written), true, false or null.
type Literal struct {
	Kind LiteralKind
	Text string
}

func (l Literal) String() string {
	switch l.Kind {
	case LitString:
		return quote(l.Text)
	case LitNumber:
		return l.Text
	case LitTrue:
		return "true"
	case LitFalse:
		return "false"
	case LitNull:
		return "null"
	}
	return "?"
}

// Expr is a parsed filter.
type Expr interface {
	String() string
	expr()
}

// And holds when every term holds; Or when one does.
type (
	And struct{ Terms []Expr }
	Or  struct{ Terms []Expr }
	// Not holds when X does not.
	Not struct{ X Expr }
	// Compare is `path op value`, or `path pr` (Value unused).
	Compare struct {
		Path  Path
		Op    Op
		Value Literal
	}
	// ValuePath is `attr[filter]`: some value of the multi-valued (or complex) attribute satisfies
	// Filter, whose paths name its sub-attributes.
	ValuePath struct {
		Path   Path
		Filter Expr
	}
)

func (And) expr()       {}
func (Or) expr()        {}
func (Not) expr()       {}
func (Compare) expr()   {}
func (ValuePath) expr() {}

func (a And) String() string { return joinTerms(a.Terms, " and ") }
func (o Or) String() string  { return joinTerms(o.Terms, " or ") }
func (n Not) String() string { return "not (" + n.X.String() + ")" }
func (c Compare) String() string {
	if c.Op == OpPr {
		return c.Path.String() + " pr"
	}
	return c.Path.String() + " " + c.Op.String() + " " + c.Value.String()
}
func (v ValuePath) String() string { return v.Path.String() + "[" + v.Filter.String() + "]" }

// joinTerms writes terms with sep, each in parentheses when it is itself a conjunction or
// disjunction, so that the text reads back as the same tree.
func joinTerms(terms []Expr, sep string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		switch t.(type) {
		case And, Or:
			parts[i] = "(" + t.String() + ")"
		default:
			parts[i] = t.String()
		}
	}
	return strings.Join(parts, sep)
}

// Error is a filter that cannot be used: Part is the piece of the filter concerned (empty when the
// whole filter is), Reason what is wrong with it.
type Error struct {
	Part   string
	Reason string
}

func (e *Error) Error() string {
	if e.Part == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", show(e.Part), e.Reason)
}

// show quotes a piece of a filter for a message, cut to a readable length.
func show(s string) string {
	const limit = 80
	if len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return "«" + s + "»"
}

// quote writes s as a JSON string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
