package mapping

import (
	"encoding/json"
	"fmt"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// patchMultiSpec describes how fsscim maps one multi-valued attribute: which element types it keeps,
// where, and which sub-attribute holds the element's value.
type patchMultiSpec struct {
	valueKey string // "value", or "formatted" for addresses
	slots    []patchSlot
	// pickAny: an element without a recognised type fills the first slot (emails: first work, else
	// primary, else first), as on create.
	pickAny bool
	// foldCase: values compare case-insensitively (email addresses).
	foldCase bool
}

type patchSlot struct {
	typ   string
	field Field
	ptr   func(*User) *string
}

var patchMultiSpecs = map[string]patchMultiSpec{
	"emails": {valueKey: "value", pickAny: true, foldCase: true, slots: []patchSlot{
		{"work", FieldWorkEmail, func(u *User) *string { return &u.WorkEmail }},
	}},
	"phonenumbers": {valueKey: "value", slots: []patchSlot{
		{"work", FieldWorkPhone, func(u *User) *string { return &u.WorkPhone }},
		{"mobile", FieldMobilePhone, func(u *User) *string { return &u.MobilePhone }},
	}},
	"addresses": {valueKey: "formatted", slots: []patchSlot{
		{"work", FieldWorkAddress, func(u *User) *string { return &u.WorkAddress }},
	}},
}

func (s patchMultiSpec) equal(a, b string) bool {
	if s.foldCase {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func (s patchMultiSpec) slot(typ string) (patchSlot, bool) {
	for _, sl := range s.slots {
		if strings.EqualFold(sl.typ, typ) {
			return sl, true
		}
	}
	return patchSlot{}, false
}

func (p *userPatcher) write(sl patchSlot, value string) {
	*sl.ptr(p.user) = value
	p.touched.Add(sl.field)
}

// applyMulti handles emails, phoneNumbers and addresses, with or without a value filter.
func (p *userPatcher) applyMulti(kind patchOp, t patchTarget, v any, spec patchMultiSpec) error {
	if t.filter != nil {
		return p.applyFiltered(kind, t, v, spec)
	}
	if t.sub != "" {
		// emails.value and the like address every element at once; clients do not send them.
		p.ignore(t.name)
		return nil
	}
	if v == nil {
		for _, sl := range spec.slots {
			p.write(sl, "")
		}
		return nil
	}
	elems, err := patchElements(t.name, v, spec.valueKey)
	if err != nil {
		return err
	}
	if kind == patchRemove {
		return p.removeElements(t, elems, spec)
	}
	// found maps a slot's type to the index of the element that fills it.
	found := map[string]int{}
	var others []int
	for i, el := range elems {
		if !el.hasValue {
			continue
		}
		sl, ok := spec.slot(el.typ)
		if _, dup := found[sl.typ]; !ok || dup {
			others = append(others, i)
			continue
		}
		found[sl.typ] = i
	}
	if _, ok := found[spec.slots[0].typ]; !ok && spec.pickAny {
		// replace sets the whole list, so its best element is the work one, as on create. add adds
		// values (RFC 7644 §3.5.2.1): a typed one of another type ("home") is not the work email, and
		// an untyped one fills the work email only when there is none.
		candidates := others
		if kind == patchAdd {
			candidates = nil
			if *spec.slots[0].ptr(p.user) == "" {
				for _, i := range others {
					if elems[i].typ == "" {
						candidates = append(candidates, i)
					}
				}
			}
		}
		if len(candidates) > 0 {
			pick := patchPick(elems, candidates)
			found[spec.slots[0].typ] = pick
			others = patchWithoutIndex(others, pick)
		}
	}
	for _, sl := range spec.slots {
		i, ok := found[sl.typ]
		switch {
		case ok:
			p.write(sl, elems[i].value)
		case kind == patchReplace:
			// The list replaces all elements: a type it lacks is gone.
			p.write(sl, "")
		}
	}
	for _, i := range others {
		p.ignore(fmt.Sprintf("%s[type eq %q]", t.name, strings.ToLower(elems[i].typ)))
	}
	return nil
}

// patchPick chooses, among the candidate elements, the one fsscim keeps when none has the type it
// maps: the first primary one, else the first.
func patchPick(elems []patchElement, candidates []int) int {
	for _, i := range candidates {
		if elems[i].primary {
			return i
		}
	}
	return candidates[0]
}

func patchWithoutIndex(list []int, drop int) []int {
	out := list[:0:0]
	for _, i := range list {
		if i != drop {
			out = append(out, i)
		}
	}
	return out
}

// removeElements removes the listed elements (the form of remove with a value list). An element names
// its slot by type, by value, or both; one with neither removes nothing.
func (p *userPatcher) removeElements(t patchTarget, elems []patchElement, spec patchMultiSpec) error {
	if len(elems) == 0 {
		for _, sl := range spec.slots {
			p.write(sl, "")
		}
		return nil
	}
	for _, el := range elems {
		matched := false
		for _, sl := range spec.slots {
			current := *sl.ptr(p.user)
			switch {
			case el.typ != "" && !strings.EqualFold(el.typ, sl.typ):
				continue
			case el.typ == "" && el.value == "":
				continue
			case el.value != "" && !spec.equal(current, el.value) && (el.typ == "" || current != ""):
				// A value that is not the element's known value names some other element.
				continue
			}
			p.write(sl, "")
			matched = true
		}
		if !matched && el.typ != "" {
			if _, ok := spec.slot(el.typ); !ok {
				p.ignore(t.name)
			}
		}
	}
	return nil
}

// applyFiltered handles a path such as emails[type eq "work"].value or
// phoneNumbers[value eq "123"]. The filter may name the element's type, its value, or both (joined
// by and). A type fsscim does not keep, or any other filter, is ignored.
func (p *userPatcher) applyFiltered(kind patchOp, t patchTarget, v any, spec patchMultiSpec) error {
	sub := strings.ToLower(t.sub)
	if sub != "" && sub != spec.valueKey {
		p.ignore(t.name)
		return nil
	}
	typ, value, ok := patchElementFilter(t.filter, spec.valueKey)
	if !ok {
		p.ignore(t.name)
		return nil
	}
	var slots []patchSlot
	if typ != "" {
		sl, found := spec.slot(typ)
		if !found {
			p.ignore(t.name)
			return nil
		}
		slots = []patchSlot{sl}
	} else {
		slots = spec.slots
	}
	var selected []patchSlot
	for _, sl := range slots {
		current := *sl.ptr(p.user)
		switch {
		case value == "":
			selected = append(selected, sl)
		case spec.equal(current, value):
			selected = append(selected, sl)
		case typ != "" && current == "":
			// The type is known and its value is not: the element the client means may be absent (add
			// and replace create it) or simply not loaded (remove clears it).
			selected = append(selected, sl)
		}
	}
	if len(selected) == 0 {
		if kind == patchReplace {
			// RFC 7644 §3.5.2.3: a value filter that matches no value is a failure. (A filter on the
			// type alone matches a type fsscim keeps even while it has no value: Entra's replace of
			// emails[type eq "work"].value creates the work email.)
			return invalid(scimerrors.ScimTypeNoTarget, fmt.Sprintf("path %s matches no value", patchShow(t.name)))
		}
		return nil
	}
	if kind == patchRemove {
		for _, sl := range selected {
			p.write(sl, "")
		}
		return nil
	}
	var s string
	if sub == "" {
		elems, err := patchElements(t.name, v, spec.valueKey)
		if err != nil {
			return err
		}
		if len(elems) > 0 {
			s = elems[0].value
			if !elems[0].hasValue {
				p.ignore(t.name)
				return nil
			}
		}
	} else {
		var err error
		if s, err = readString(t.name, v); err != nil {
			return err
		}
	}
	for _, sl := range selected {
		p.write(sl, s)
	}
	return nil
}

// patchElementFilter reads a value filter made of `type eq "t"` and/or `<valueKey> eq "v"` joined by
// and. ok is false for anything else.
func patchElementFilter(e filter.Expression, valueKey string) (typ, value string, ok bool) {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x == nil || !strings.EqualFold(string(x.Operator), string(filter.AND)) {
			return "", "", false
		}
		lt, lv, lok := patchElementFilter(x.Left, valueKey)
		rt, rv, rok := patchElementFilter(x.Right, valueKey)
		if !lok || !rok || lt != "" && rt != "" || lv != "" && rv != "" {
			return "", "", false
		}
		return lt + rt, lv + rv, true
	case *filter.AttributeExpression:
		if x == nil || !strings.EqualFold(string(x.Operator), string(filter.EQ)) ||
			x.AttributePath.URIPrefix != nil || x.AttributePath.SubAttribute != nil {
			return "", "", false
		}
		s, isString := patchCompareString(x.CompareValue)
		if !isString || s == "" {
			return "", "", false
		}
		switch {
		case strings.EqualFold(x.AttributePath.AttributeName, "type"):
			return s, "", true
		case strings.EqualFold(x.AttributePath.AttributeName, valueKey):
			return "", s, true
		}
	}
	return "", "", false
}

// patchFilterValue reads the id of a `value eq "id"` filter.
func patchFilterValue(e filter.Expression) (string, bool) {
	x, ok := e.(*filter.AttributeExpression)
	if !ok || x == nil || !strings.EqualFold(string(x.Operator), string(filter.EQ)) ||
		!strings.EqualFold(x.AttributePath.AttributeName, "value") || x.AttributePath.SubAttribute != nil {
		return "", false
	}
	return patchCompareString(x.CompareValue)
}

// patchCompareString reads a filter's compare value. filter-parser keeps a string's escapes as written,
// so they are decoded here.
func patchCompareString(v any) (string, bool) {
	raw, ok := v.(string)
	if !ok {
		return "", false
	}
	if !strings.Contains(raw, `\`) {
		return raw, true
	}
	var s string
	if err := json.Unmarshal([]byte(`"`+raw+`"`), &s); err != nil {
		return "", false
	}
	return s, true
}

// patchElement is one element of a multi-valued attribute as sent.
type patchElement struct {
	typ      string
	value    string
	hasValue bool
	primary  bool
}

// patchElements reads the elements of a multi-valued attribute: a list of objects. type and primary
// only choose an element, so an odd one makes it untyped or not primary rather than failing.
func patchElements(name string, v any, valueKey string) ([]patchElement, error) {
	objs, err := objectList(name, v)
	if err != nil {
		return nil, err
	}
	elems := make([]patchElement, 0, len(objs))
	for _, obj := range objs {
		var el patchElement
		if typ, ok := Lookup(obj, "type"); ok {
			el.typ, _ = typ.(string)
		}
		if raw, found := Lookup(obj, valueKey); found {
			s, err := readString(name+"."+valueKey, raw)
			if err != nil {
				return nil, err
			}
			el.value, el.hasValue = s, true
		}
		if raw, found := Lookup(obj, "primary"); found {
			el.primary, _ = raw.(bool)
		}
		elems = append(elems, el)
	}
	return elems, nil
}
