package scimfilter

import (
	"cmp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says what a Value holds.
type Kind uint8

// Value kinds; KindNone is an unassigned value.
const (
	KindNone Kind = iota
	KindString
	KindBool
	KindTime
	KindNumber
)

// Value is one value of an attribute as a Resource answers it. A string-typed attribute answers its
// text in Str whatever it holds; a dateTime answers Time in Unix nanoseconds.
type Value struct {
	Kind Kind
	Str  string
	Bool bool
	Time int64
	Num  float64
}

// Resource is what a filter evaluates against: the values of one resource's attributes, by slot.
type Resource interface {
	// Count is how many values the attribute in slot holds: 0 when it has none, 1 for a singular
	// attribute that has one, the number of values of a multi-valued one.
	Count(slot int) int
	// Value is value i of the attribute in slot, or of its sub-attribute sub (sub < 0: the
	// attribute itself, for a simple attribute).
	Value(slot, i, sub int) Value
}

// Matches reports whether r satisfies the filter.
func (f *Filter) Matches(r Resource) bool { return f.root.eval(r, -1) }

// node is a compiled expression; elem is the value of the enclosing value path (-1 outside one).
type node interface {
	eval(r Resource, elem int) bool
}

type (
	andNode []node
	orNode  []node
	notNode struct{ x node }
)

func (n andNode) eval(r Resource, elem int) bool {
	for _, t := range n {
		if !t.eval(r, elem) {
			return false
		}
	}
	return true
}

func (n orNode) eval(r Resource, elem int) bool {
	for _, t := range n {
		if t.eval(r, elem) {
			return true
		}
	}
	return false
}

func (n notNode) eval(r Resource, elem int) bool { return !n.x.eval(r, elem) }

// valuePathNode holds when some value of the attribute satisfies inner.
type valuePathNode struct {
	slot  int
	inner node
}

func (n *valuePathNode) eval(r Resource, _ int) bool {
	for i, count := 0, r.Count(n.slot); i < count; i++ {
		if n.inner.eval(r, i) {
			return true
		}
	}
	return false
}

// compareNode is one comparison, prepared for the attribute's type.
type compareNode struct {
	slot, sub int
	inElement bool // compares a sub-attribute of the enclosing value path's value
	op        Op
	typ       Type
	caseExact bool
	null      bool // compares with null: eq is "has no value", ne "has a value"
	never     bool // the value cannot equal any value of the attribute (a non-boolean text for a boolean)
	str       string
	folded    string // str lower-cased, for attributes that ignore case
	boolean   bool
	time      int64
	number    float64
}

func (n *compareNode) eval(r Resource, elem int) bool {
	switch {
	case n.op == OpPr:
		return n.present(r, elem)
	case n.null:
		has := n.present(r, elem)
		if n.op == OpEq {
			return !has
		}
		return has
	case n.op == OpNe:
		// ne is the negation of eq: a resource without the attribute is "not equal" too.
		return !n.any(r, elem, OpEq)
	}
	return n.any(r, elem, n.op)
}

// any reports whether some value (the one of the enclosing value path, inside one) satisfies op.
func (n *compareNode) any(r Resource, elem int, op Op) bool {
	if n.inElement {
		return n.test(r.Value(n.slot, elem, n.sub), op)
	}
	for i, count := 0, r.Count(n.slot); i < count; i++ {
		if n.test(r.Value(n.slot, i, n.sub), op) {
			return true
		}
	}
	return false
}

func (n *compareNode) present(r Resource, elem int) bool {
	if n.inElement {
		return hasValue(r.Value(n.slot, elem, n.sub))
	}
	for i, count := 0, r.Count(n.slot); i < count; i++ {
		if n.sub < 0 && count > 0 && n.typ == TypeComplex {
			return true
		}
		if hasValue(r.Value(n.slot, i, n.sub)) {
			return true
		}
	}
	return false
}

func hasValue(v Value) bool {
	switch v.Kind {
	case KindNone:
		return false
	case KindString:
		return v.Str != ""
	}
	return true
}

// test compares one value.
func (n *compareNode) test(v Value, op Op) bool {
	if !hasValue(v) || n.never {
		return false
	}
	switch n.typ {
	case TypeBoolean:
		b := v.Bool
		if v.Kind == KindString {
			b = strings.EqualFold(v.Str, "true")
		}
		return op == OpEq && b == n.boolean
	case TypeDateTime:
		if v.Kind != KindTime {
			return false
		}
		return order(cmp.Compare(v.Time, n.time), op)
	case TypeInteger, TypeDecimal:
		if v.Kind != KindNumber {
			return false
		}
		c := 0
		switch {
		case v.Num < n.number:
			c = -1
		case v.Num > n.number:
			c = 1
		}
		return order(c, op)
	}
	s := v.Str
	if n.caseExact {
		switch op {
		case OpEq:
			return s == n.str
		case OpCo:
			return strings.Contains(s, n.str)
		case OpSw:
			return strings.HasPrefix(s, n.str)
		case OpEw:
			return strings.HasSuffix(s, n.str)
		}
		return order(strings.Compare(s, n.str), op)
	}
	switch op {
	case OpEq:
		return strings.EqualFold(s, n.str)
	case OpCo:
		return containsFold(s, n.folded)
	case OpSw:
		return len(s) >= len(n.folded) && strings.EqualFold(s[:len(n.folded)], n.folded) || !isASCII(s) && strings.HasPrefix(strings.ToLower(s), n.folded)
	case OpEw:
		return len(s) >= len(n.folded) && strings.EqualFold(s[len(s)-len(n.folded):], n.folded) || !isASCII(s) && strings.HasSuffix(strings.ToLower(s), n.folded)
	}
	return order(compareFold(s, n.str), op)
}

// order applies an ordering operator (or eq) to a comparison result.
func order(c int, op Op) bool {
	switch op {
	case OpEq:
		return c == 0
	case OpGt:
		return c > 0
	case OpGe:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLe:
		return c <= 0
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains lower (already lower-cased), ignoring case. ASCII text is
// searched without copying it.
func containsFold(s, lower string) bool {
	if !isASCII(s) || !isASCII(lower) {
		return strings.Contains(strings.ToLower(s), lower)
	}
	if lower == "" {
		return true
	}
	for i := 0; i+len(lower) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}

// compareFold orders a and b as their lower-cased forms would order.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		la, lb := unicode.ToLower(ra), unicode.ToLower(rb)
		if la != lb {
			if la < lb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}
