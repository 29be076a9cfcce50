package scimfilter

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filter is a filter compiled against a catalog, ready to evaluate.
type Filter struct {
	root  node
	text  string
	slots map[int]bool
}

// String is the filter in canonical form.
func (f *Filter) String() string { return f.text }

// Uses reports whether the filter reads the attribute in slot, so that a caller can skip loading an
// attribute that is costly to produce.
func (f *Filter) Uses(slot int) bool { return f.slots[slot] }

// Compile parses raw and resolves it against the catalog. Errors are *Error, naming the part of the
// filter that cannot be used.
func (c *Catalog) Compile(raw string) (*Filter, error) {
	e, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	return c.CompileExpr(e)
}

// CompileExpr resolves a parsed filter against the catalog.
func (c *Catalog) CompileExpr(e Expr) (*Filter, error) {
	f := &Filter{text: e.String(), slots: map[int]bool{}}
	root, err := c.compile(e, f, nil)
	if err != nil {
		return nil, err
	}
	f.root = root
	return f, nil
}

// compileTerms compiles each term of a conjunction or disjunction.
func (c *Catalog) compileTerms(terms []Expr, f *Filter, within *Attribute) ([]node, error) {
	out := make([]node, 0, len(terms))
	for _, t := range terms {
		n, err := c.compile(t, f, within)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// compile turns e into a node. within is the attribute whose value filter e is, or nil at the top.
func (c *Catalog) compile(e Expr, f *Filter, within *Attribute) (node, error) {
	switch x := e.(type) {
	case And:
		out, err := c.compileTerms(x.Terms, f, within)
		if err != nil {
			return nil, err
		}
		return andNode(out), nil
	case Or:
		out, err := c.compileTerms(x.Terms, f, within)
		if err != nil {
			return nil, err
		}
		return orNode(out), nil
	case Not:
		n, err := c.compile(x.X, f, within)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case ValuePath:
		r, err := c.resolve(x.Path)
		if err != nil {
			return nil, err
		}
		if r.attr.Type != TypeComplex {
			return nil, &Error{Part: x.String(), Reason: fmt.Sprintf("%s is not a complex attribute; a value filter needs one", r.attr.Name)}
		}
		f.slots[r.attr.Slot] = true
		inner, err := c.compile(x.Filter, f, r.attr)
		if err != nil {
			return nil, err
		}
		return &valuePathNode{slot: r.attr.Slot, inner: inner}, nil
	case Compare:
		var r resolved
		if within != nil {
			i, ok := within.subNamed(x.Path.Name)
			if !ok {
				return nil, &Error{Part: x.Path.Name, Reason: fmt.Sprintf("is not a sub-attribute of %s fsscim can filter on", within.Name)}
			}
			r = resolved{attr: within, sub: i}
		} else {
			var err error
			if r, err = c.resolve(x.Path); err != nil {
				return nil, err
			}
		}
		f.slots[r.attr.Slot] = true
		return compileComparison(x, r, within != nil)
	}
	return nil, &Error{Reason: "unsupported expression"}
}

// compileComparison checks the operator and value against the attribute's type and prepares the
// comparison.
func compileComparison(x Compare, r resolved, inElement bool) (node, error) {
	n := &compareNode{slot: r.attr.Slot, sub: r.sub, inElement: inElement, op: x.Op}
	target := r.subAttr()
	if target == nil {
		target = r.attr
	}
	if target.Type == TypeComplex {
		// A comparison with a complex attribute compares its "value" sub-attribute (RFC 7643 §2.4);
		// presence asks for any value at all.
		if x.Op == OpPr {
			n.typ = TypeComplex
			return n, nil
		}
		i, ok := target.subNamed("value")
		if !ok {
			return nil, &Error{Part: x.String(), Reason: fmt.Sprintf("%s is complex; compare one of its sub-attributes", target.Name)}
		}
		n.sub = i
		target = &target.Sub[i]
	}
	n.typ, n.caseExact = target.Type, target.CaseExact
	if x.Op == OpPr {
		return n, nil
	}
	bad := func(reason string) error { return &Error{Part: x.String(), Reason: reason} }
	if x.Value.Kind == LitNull {
		if x.Op != OpEq && x.Op != OpNe {
			return nil, bad("null compares with eq and ne only")
		}
		n.null = true
		return n, nil
	}
	switch target.Type {
	case TypeBoolean:
		if x.Op != OpEq && x.Op != OpNe {
			return nil, bad(fmt.Sprintf("%s is a boolean; it compares with eq, ne and pr only", target.Name))
		}
		switch x.Value.Kind {
		case LitTrue:
			n.boolean = true
		case LitFalse:
		case LitString:
			b, err := strconv.ParseBool(strings.TrimSpace(x.Value.Text))
			if err != nil {
				// A value no boolean can equal, such as the random GUID of Entra's Test Connection.
				n.never = true
			}
			n.boolean = b
		default:
			n.never = true
		}
	case TypeDateTime:
		if x.Op == OpCo || x.Op == OpSw || x.Op == OpEw {
			return nil, bad(fmt.Sprintf("%s is a dateTime; co, sw and ew compare strings", target.Name))
		}
		if x.Value.Kind != LitString {
			return nil, bad("a dateTime is compared with a quoted xsd:dateTime value")
		}
		t, ok := ParseDateTime(x.Value.Text)
		if !ok {
			return nil, bad(fmt.Sprintf("%s is not an xsd:dateTime such as \"2025-01-31T08:00:00Z\"", strconv.Quote(x.Value.Text)))
		}
		n.time = t.UnixNano()
	case TypeInteger, TypeDecimal:
		if x.Op == OpCo || x.Op == OpSw || x.Op == OpEw {
			return nil, bad(fmt.Sprintf("%s is a number; co, sw and ew compare strings", target.Name))
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(x.Value.Text), 64)
		if err != nil || x.Value.Kind != LitNumber && x.Value.Kind != LitString {
			return nil, bad(fmt.Sprintf("%s is a number; compare it with a number", target.Name))
		}
		n.number = v
	default:
		if target.Type == TypeBinary && (x.Op == OpGt || x.Op == OpGe || x.Op == OpLt || x.Op == OpLe) {
			return nil, bad(fmt.Sprintf("%s is binary; it has no order", target.Name))
		}
		switch x.Value.Kind {
		case LitString, LitNumber:
			n.str = x.Value.Text
		case LitTrue:
			n.str = "true"
		case LitFalse:
			n.str = "false"
		}
		if !n.caseExact {
			n.folded = strings.ToLower(n.str)
		}
	}
	return n, nil
}

// ParseDateTime reads an xsd:dateTime: RFC 3339 with optional fractional seconds, and without a zone
// taken as UTC.
func ParseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// EqualValues reports the values the attribute in slot (sub-attribute sub, -1 for none) must equal
// for a resource to match: every match has one of vals there, compared with the attribute's case
// rule. ok is false when the filter does not pin the attribute down so. It lets a caller look
// candidates up in an index instead of testing every resource.
func (f *Filter) EqualValues(slot, sub int) (vals []string, ok bool) {
	return equalValues(f.root, slot, sub, false)
}

func equalValues(n node, slot, sub int, inElement bool) ([]string, bool) {
	switch x := n.(type) {
	case andNode:
		for _, t := range x {
			if vals, ok := equalValues(t, slot, sub, inElement); ok {
				return vals, true
			}
		}
	case orNode:
		var all []string
		for _, t := range x {
			vals, ok := equalValues(t, slot, sub, inElement)
			if !ok {
				return nil, false
			}
			all = append(all, vals...)
		}
		return all, true
	case *valuePathNode:
		if !inElement && x.slot == slot {
			return equalValues(x.inner, slot, sub, true)
		}
	case *compareNode:
		if x.inElement == inElement && x.slot == slot && x.sub == sub && x.op == OpEq && !x.null && !x.never &&
			(x.typ == TypeString || x.typ == TypeReference || x.typ == TypeBinary) {
			return []string{x.str}, true
		}
	}
	return nil, false
}
