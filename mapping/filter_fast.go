package mapping

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// filterFastMaxTerms bounds the conjunctions the fast path reads; Entra joins two terms at most.
const filterFastMaxTerms = 4

// planFilterFast reads the filters Entra sends on every lookup, `attr eq "value"` alone or joined
// with and, without the general parser, which costs thousands of allocations per filter. It accepts
// only a strict subset of what the parser accepts: simple attribute names with an optional
// sub-attribute, single spaces, and quoted printable-ASCII values without escapes. ok=false means
// the filter is outside that subset or one of its terms is refused; the caller then runs the full
// parser, which gives the same terms or the error with its wording.
func planFilterFast(s string, term filterTermFunc) (terms []Term, ok bool) {
	for len(s) > 0 {
		if len(terms) == filterFastMaxTerms {
			return nil, false
		}
		x, rest, ok := filterFastComparison(s)
		if !ok {
			return nil, false
		}
		t, reason := term(x)
		if reason != "" {
			return nil, false
		}
		terms = append(terms, t)
		if rest == "" {
			return terms, true
		}
		if len(rest) < 5 || rest[0] != ' ' || !strings.EqualFold(rest[1:4], "and") || rest[4] != ' ' {
			return nil, false
		}
		s = rest[5:]
	}
	return nil, false
}

// filterFastComparison reads `name[.sub] eq "value"`, or Entra's `name[attr eq "v"].sub eq "value"`,
// at the start of s and returns what follows.
func filterFastComparison(s string) (x filter.Expression, rest string, ok bool) {
	name, s, ok := filterFastName(s)
	if !ok {
		return nil, "", false
	}
	if len(s) > 0 && s[0] == '[' {
		return filterFastValuePath(name, s[1:])
	}
	var sub *string
	if len(s) > 0 && s[0] == '.' {
		var subName string
		if subName, s, ok = filterFastName(s[1:]); !ok {
			return nil, "", false
		}
		sub = &subName
	}
	value, s, ok := filterFastEq(s)
	if !ok {
		return nil, "", false
	}
	return &filter.AttributeExpression{
		AttributePath: filter.AttributePath{AttributeName: name, SubAttribute: sub},
		Operator:      filter.EQ,
		CompareValue:  value,
	}, s, true
}

// filterFastValuePath reads `attr eq "v"].sub eq "value"` (s starts after the bracket) as the
// parser reads its rewritten form, name[attr eq "v" and sub eq "value"].
func filterFastValuePath(name, s string) (x filter.Expression, rest string, ok bool) {
	attr, s, ok := filterFastName(s)
	if !ok {
		return nil, "", false
	}
	v, s, ok := filterFastEq(s)
	if !ok || len(s) < 2 || s[0] != ']' || s[1] != '.' {
		return nil, "", false
	}
	sub, s, ok := filterFastName(s[2:])
	if !ok {
		return nil, "", false
	}
	value, s, ok := filterFastEq(s)
	if !ok {
		return nil, "", false
	}
	return &filter.ValuePath{
		AttributePath: filter.AttributePath{AttributeName: name},
		ValueFilter: &filter.LogicalExpression{
			Left:     &filter.AttributeExpression{AttributePath: filter.AttributePath{AttributeName: attr}, Operator: filter.EQ, CompareValue: v},
			Right:    &filter.AttributeExpression{AttributePath: filter.AttributePath{AttributeName: sub}, Operator: filter.EQ, CompareValue: value},
			Operator: filter.AND,
		},
	}, s, true
}

// filterFastEq reads ` eq "value"` at the start of s: the value, unquoted, and what follows.
func filterFastEq(s string) (value, rest string, ok bool) {
	if len(s) < 5 || s[0] != ' ' || !strings.EqualFold(s[1:3], "eq") || s[3] != ' ' || s[4] != '"' {
		return "", "", false
	}
	s = s[5:]
	for end := 0; end < len(s); end++ {
		switch c := s[end]; {
		case c == '"':
			return s[:end], s[end+1:], true
		case c < 0x20 || c > 0x7e || c == '\\':
			return "", "", false
		}
	}
	return "", "", false
}

// filterFastName reads an attribute name: a letter, then letters, digits, '-' and '_'.
func filterFastName(s string) (name, rest string, ok bool) {
	if len(s) == 0 || !filterIsLetter(s[0]) {
		return "", "", false
	}
	i := 1
	for i < len(s) && (filterIsLetter(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '-' || s[i] == '_') {
		i++
	}
	return s[:i], s[i:], true
}
