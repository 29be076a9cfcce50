package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// PatchResult says what a user PATCH did: the mapped attributes it wrote, and the attributes it named
// that fsscim does not map (as they were spelled in the request), which were left alone.
type PatchResult struct {
	Touched FieldSet
	Ignored []string
}

// ApplyUserPatch applies the operations of a user PATCH, in order, to u. It accepts both dialects
// Entra speaks: op names in any case, "True"/"False" strings for booleans, path-less operations whose
// value object has plain, dotted, URN-qualified or nested keys, filtered paths on emails, phoneNumbers
// and addresses (add and replace create the element when it is absent), and the manager as a plain
// id, {"value": id}, [{"value": id}], {"value": ""} or null to clear.
//
// Attributes fsscim does not map are reported in Ignored and never fail the PATCH: a rejection would
// make Entra retry the same change for ever and eventually quarantine the job. The only errors are
// SCIM 400s for a value of the wrong type for a mapped attribute, an unknown op, a remove without a
// path, and a path-less key that does not parse. On error u is left unchanged. u must not be nil.
func ApplyUserPatch(u *User, ops []PatchOp, opts Options) (PatchResult, error) {
	work := *u
	if u.Custom != nil {
		work.Custom = make(map[string]any, len(u.Custom))
		for k, v := range u.Custom {
			work.Custom[k] = v
		}
	}
	p := userPatcher{user: &work, opts: opts, ignoredSeen: map[string]bool{}}
	for _, op := range ops {
		if err := p.apply(op); err != nil {
			return PatchResult{}, err
		}
	}
	*u = work
	return PatchResult{Touched: p.touched, Ignored: p.ignored}, nil
}

// patchOp is a PATCH operation kind.
type patchOp int

const (
	patchAdd patchOp = iota
	patchReplace
	patchRemove
)

func parsePatchOp(op string) (patchOp, error) {
	switch strings.ToLower(strings.TrimSpace(op)) {
	case "add":
		return patchAdd, nil
	case "replace":
		return patchReplace, nil
	case "remove":
		return patchRemove, nil
	}
	return 0, patchError(scimerrors.ScimTypeInvalidValue,
		fmt.Sprintf("unsupported PATCH op %s: use add, replace or remove", patchShow(op)))
}

// patchTarget is one attribute an operation addresses, from its path or from one key of a path-less
// value object.
type patchTarget struct {
	schema string            // "" for the core schema, a known extension URN, or the unknown URN as sent
	whole  bool              // the target is the whole schema (a nested extension object)
	attr   string            // attribute name as sent
	sub    string            // sub-attribute as sent, "" if none
	filter filter.Expression // value filter of a path like emails[type eq "work"], nil if none
	name   string            // the path or key as sent, for Ignored and error details
}

// patchKnownSchemas are the URNs fsscim maps attributes of, in their canonical spelling.
var patchKnownSchemas = [...]string{SchemaUser, SchemaEnterprise, SchemaFreshservice}

// patchKnownSchema matches uri case-insensitively against the URNs fsscim maps and returns how the
// targets name it: "" for the core schema, else the canonical spelling.
func patchKnownSchema(uri string) (string, bool) {
	for _, s := range patchKnownSchemas {
		if strings.EqualFold(s, uri) {
			if s == SchemaUser {
				return "", true
			}
			return s, true
		}
	}
	return uri, false
}

// patchCanonicalSchema is patchKnownSchema without the verdict: an unknown URN stays as sent.
func patchCanonicalSchema(uri string) string {
	s, _ := patchKnownSchema(uri)
	return s
}

// patchTargetFromPath resolves a parsed PATCH path.
func patchTargetFromPath(p *filter.Path) patchTarget {
	t := patchTarget{
		schema: patchCanonicalSchema(p.AttributePath.URI()),
		attr:   p.AttributePath.AttributeName,
		sub:    p.AttributePath.SubAttributeName(),
		filter: p.ValueExpression,
		name:   p.String(),
	}
	if t.sub == "" {
		t.sub = p.SubAttributeName()
	}
	// filter-parser reads a bare extension URN as attribute "User" of the URN's first part.
	if uri := p.AttributePath.URI(); uri != "" && t.sub == "" && t.filter == nil {
		if schema, known := patchKnownSchema(uri + ":" + t.attr); known {
			t.schema, t.attr, t.whole = schema, "", true
		}
	}
	return t
}

// patchTargetFromKey resolves one key of a path-less value object. inSchema is the schema of the
// enclosing extension object, "" at the top level.
func patchTargetFromKey(key, inSchema string) (patchTarget, error) {
	t := patchTarget{schema: inSchema, name: key}
	if inSchema != "" && !strings.HasPrefix(strings.ToLower(key), "urn:") {
		t.name = inSchema + ":" + key
	}
	rest := key
	for _, s := range patchKnownSchemas {
		if strings.EqualFold(key, s) {
			t.schema, t.whole = patchCanonicalSchema(s), true
			return t, nil
		}
		if len(key) > len(s) && key[len(s)] == ':' && strings.EqualFold(key[:len(s)], s) {
			t.schema, rest = patchCanonicalSchema(s), key[len(s)+1:]
			break
		}
	}
	if rest == key && strings.HasPrefix(strings.ToLower(key), "urn:") {
		// An extension fsscim does not know; the whole key stays the name.
		t.schema, t.attr = key, key
		return t, nil
	}
	if strings.Contains(rest, "[") {
		p, err := filter.ParsePath([]byte(rest))
		if err != nil {
			return t, patchError(scimerrors.ScimTypeInvalidPath,
				fmt.Sprintf("attribute %s in the PATCH value does not parse as a path", patchShow(key)))
		}
		if p.AttributePath.URIPrefix != nil {
			t.schema = patchCanonicalSchema(p.AttributePath.URI())
		}
		t.attr, t.filter = p.AttributePath.AttributeName, p.ValueExpression
		t.sub = p.SubAttributeName()
		return t, nil
	}
	t.attr, t.sub, _ = strings.Cut(rest, ".")
	return t, nil
}

// userPatcher applies operations to one user and keeps account of what they did.
type userPatcher struct {
	user        *User
	opts        Options
	touched     FieldSet
	ignored     []string
	ignoredSeen map[string]bool
}

func (p *userPatcher) ignore(name string) {
	if !p.ignoredSeen[name] {
		p.ignoredSeen[name] = true
		p.ignored = append(p.ignored, name)
	}
}

func (p *userPatcher) apply(op PatchOp) error {
	kind, err := parsePatchOp(op.Op)
	if err != nil {
		return err
	}
	if op.Path == nil {
		if kind == patchRemove {
			return patchError(scimerrors.ScimTypeNoTarget, "a remove operation needs a path")
		}
		obj, ok := patchObject(op.Value)
		if !ok {
			return patchError(scimerrors.ScimTypeInvalidValue,
				fmt.Sprintf("a PATCH operation without path needs an object value, not %s", patchShow(op.Value)))
		}
		return p.applyObject(kind, obj, "")
	}
	return p.applyTarget(kind, patchTargetFromPath(op.Path), op.Value)
}

// patchSkippedKeys are keys of a path-less value object that describe the resource rather than
// change it, and so are neither applied nor reported.
var patchSkippedKeys = map[string]bool{"schemas": true, "id": true, "meta": true}

// applyObject applies each key of a path-less value object (or of an extension object within one) as
// if it were an operation of its own. Keys are visited in sorted order so the outcome never depends on
// map order.
func (p *userPatcher) applyObject(kind patchOp, obj map[string]any, inSchema string) error {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if inSchema == "" && patchSkippedKeys[strings.ToLower(k)] {
			continue
		}
		t, err := patchTargetFromKey(k, inSchema)
		if err != nil {
			return err
		}
		if err := p.applyTarget(kind, t, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

func (p *userPatcher) applyTarget(kind patchOp, t patchTarget, v any) error {
	if t.whole {
		obj, ok := patchObject(v)
		if kind == patchRemove || !ok {
			p.ignore(t.name)
			return nil
		}
		return p.applyObject(kind, obj, t.schema)
	}
	if t.attr == "" {
		p.ignore(t.name)
		return nil
	}
	switch t.schema {
	case "":
		return p.applyCore(kind, t, v)
	case SchemaEnterprise:
		return p.applyEnterprise(kind, t, v)
	case SchemaFreshservice:
		return p.applyFreshservice(kind, t, v)
	}
	p.ignore(t.name)
	return nil
}

// patchStringAttrs are the single-valued string attributes of the core schema, by lower-case name.
var patchStringAttrs = map[string]struct {
	field Field
	ptr   func(*User) *string
}{
	"username":          {FieldUserName, func(u *User) *string { return &u.UserName }},
	"externalid":        {FieldExternalID, func(u *User) *string { return &u.ExternalID }},
	"displayname":       {FieldDisplayName, func(u *User) *string { return &u.DisplayName }},
	"title":             {FieldTitle, func(u *User) *string { return &u.Title }},
	"timezone":          {FieldTimeZone, func(u *User) *string { return &u.TimeZone }},
	"locale":            {FieldLocale, func(u *User) *string { return &u.Locale }},
	"preferredlanguage": {FieldPreferredLanguage, func(u *User) *string { return &u.PreferredLanguage }},
}

func (p *userPatcher) applyCore(kind patchOp, t patchTarget, v any) error {
	attr := strings.ToLower(t.attr)
	if a, ok := patchStringAttrs[attr]; ok {
		if t.sub != "" || t.filter != nil {
			p.ignore(t.name)
			return nil
		}
		return p.setString(kind, t, v, a.field, a.ptr(p.user))
	}
	switch attr {
	case "active":
		if t.sub != "" || t.filter != nil {
			p.ignore(t.name)
			return nil
		}
		b, set, err := p.boolValue(kind, t, v)
		if err != nil || !set {
			return err
		}
		p.user.Active = b
		p.touched.Add(FieldActive)
		return nil
	case "name":
		return p.applyName(kind, t, v)
	case "emails", "phonenumbers", "addresses":
		return p.applyMulti(kind, t, v, patchMultiSpecs[attr])
	case "manager":
		// Entra's legacy form names the enterprise manager without its URN.
		return p.applyManager(kind, t, v)
	}
	p.ignore(t.name)
	return nil
}

// applyName handles name and its sub-attributes. Replacing name with an object changes only the
// sub-attributes it holds (RFC 7644 §3.5.2.3); removing name clears both parts fsscim maps.
func (p *userPatcher) applyName(kind patchOp, t patchTarget, v any) error {
	if t.filter != nil {
		p.ignore(t.name)
		return nil
	}
	switch strings.ToLower(t.sub) {
	case "givenname":
		return p.setString(kind, t, v, FieldGivenName, &p.user.GivenName)
	case "familyname":
		return p.setString(kind, t, v, FieldFamilyName, &p.user.FamilyName)
	case "formatted":
		return p.setString(kind, t, v, FieldFormattedName, &p.user.FormattedName)
	case "":
	default:
		p.ignore(t.name)
		return nil
	}
	if kind == patchRemove || v == nil {
		p.user.GivenName, p.user.FamilyName = "", ""
		p.touched.Add(FieldGivenName)
		p.touched.Add(FieldFamilyName)
		return nil
	}
	obj, ok := patchObject(v)
	if !ok {
		return patchValueError(t.name, v, "an object")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sub := patchTarget{schema: t.schema, attr: t.attr, sub: k, name: t.attr + "." + k}
		if err := p.applyName(kind, sub, obj[k]); err != nil {
			return err
		}
	}
	return nil
}

func (p *userPatcher) applyEnterprise(kind patchOp, t patchTarget, v any) error {
	switch strings.ToLower(t.attr) {
	case "department":
		if t.sub != "" || t.filter != nil {
			p.ignore(t.name)
			return nil
		}
		return p.setString(kind, t, v, FieldDepartment, &p.user.Department)
	case "manager":
		return p.applyManager(kind, t, v)
	case "_location":
		// What Freshservice's own Entra app maps physicalDeliveryOfficeName to.
		if t.sub != "" || t.filter != nil {
			p.ignore(t.name)
			return nil
		}
		return p.setString(kind, t, v, FieldLocation, &p.user.Location)
	}
	p.ignore(t.name)
	return nil
}

// applyManager handles the enterprise manager in every form Entra sends. A remove with a filter
// (manager[value eq "x"]) leaves a different, known manager alone; when the current manager is not
// known it clears, because Entra only sends it for the manager it set.
func (p *userPatcher) applyManager(kind patchOp, t patchTarget, v any) error {
	if sub := strings.ToLower(t.sub); sub != "" && sub != "value" {
		p.ignore(t.name)
		return nil
	}
	if kind == patchRemove {
		if t.filter != nil {
			want, ok := patchFilterValue(t.filter)
			if !ok {
				p.ignore(t.name)
				return nil
			}
			if p.user.ManagerID != "" && p.user.ManagerID != want {
				return nil
			}
		}
		p.user.ManagerID = ""
		p.touched.Add(FieldManager)
		return nil
	}
	id, ok, err := patchManagerValue(t.name, v)
	if err != nil {
		return err
	}
	if !ok {
		p.ignore(t.name)
		return nil
	}
	p.user.ManagerID = id
	p.touched.Add(FieldManager)
	return nil
}

// patchManagerValue reads a manager id from a string, a number, {"value": id} or [{"value": id, "$ref":
// …}]. An empty string, null, {"value": ""} or an empty array mean "no manager". ok is false for an
// object without a value, which names no manager at all.
func patchManagerValue(name string, v any) (id string, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return "", true, nil
	case map[string]any:
		inner, found := patchLookup(x, "value")
		if !found {
			return "", false, nil
		}
		return patchManagerValue(name, inner)
	case []any:
		if len(x) == 0 {
			return "", true, nil
		}
		return patchManagerValue(name, x[0])
	case []map[string]any:
		if len(x) == 0 {
			return "", true, nil
		}
		return patchManagerValue(name, x[0])
	}
	if s, ok := patchScalarString(v); ok {
		return s, true, nil
	}
	return "", false, patchValueError(name, v, "a manager id")
}

func (p *userPatcher) applyFreshservice(kind patchOp, t patchTarget, v any) error {
	if t.sub != "" || t.filter != nil {
		p.ignore(t.name)
		return nil
	}
	switch strings.ToLower(t.attr) {
	case "isagent":
		b, set, err := p.boolValue(kind, t, v)
		if err != nil || !set {
			return err
		}
		p.user.IsAgent = &b
		p.touched.Add(FieldIsAgent)
		return nil
	case "location":
		return p.setString(kind, t, v, FieldLocation, &p.user.Location)
	}
	key, ok := patchCustomKey(p.opts.Attributes, t.attr)
	if !ok {
		p.ignore(t.name)
		return nil
	}
	var value any
	if kind != patchRemove {
		value = v
		if obj, isObj := v.(map[string]any); isObj {
			var found bool
			if value, found = patchLookup(obj, "value"); !found {
				return patchValueError(t.name, v, "a string, number or boolean")
			}
		}
		switch value.(type) {
		case nil, string, bool, json.Number, float64, int, int64:
		default:
			return patchValueError(t.name, v, "a string, number or boolean")
		}
	}
	if p.user.Custom == nil {
		p.user.Custom = map[string]any{}
	}
	p.user.Custom[key] = value
	p.touched.Add(FieldCustom)
	return nil
}

// patchCustomKey finds attr among the tenant's custom attribute names, case-insensitively, and returns
// it as the tenant spells it.
func patchCustomKey(attrs map[string]string, attr string) (string, bool) {
	if _, ok := attrs[attr]; ok {
		return attr, true
	}
	for k := range attrs {
		if strings.EqualFold(k, attr) {
			return k, true
		}
	}
	return "", false
}

// setString writes a single-valued string attribute: add and replace set it (null clears), remove
// clears it.
func (p *userPatcher) setString(kind patchOp, t patchTarget, v any, f Field, dst *string) error {
	s := ""
	if kind != patchRemove {
		var ok bool
		if s, ok = patchString(v); !ok {
			return patchValueError(t.name, v, "a string")
		}
	}
	*dst = s
	p.touched.Add(f)
	return nil
}

// boolValue reads a boolean for add/replace. set is false when the operation carries no boolean to
// write (a remove or null): fsscim does not guess a state for those, and reports them instead.
func (p *userPatcher) boolValue(kind patchOp, t patchTarget, v any) (b, set bool, err error) {
	if kind == patchRemove || v == nil {
		p.ignore(t.name)
		return false, false, nil
	}
	b, ok := patchBool(v)
	if !ok {
		return false, false, patchValueError(t.name, v, "a boolean")
	}
	return b, true, nil
}

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
		// emails.value and the like address every element at once; Entra never sends them.
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
		typ, _ := patchScalarString(el.typ)
		sl, ok := spec.slot(typ)
		if _, dup := found[sl.typ]; !ok || dup {
			others = append(others, i)
			continue
		}
		found[sl.typ] = i
	}
	if _, ok := found[spec.slots[0].typ]; !ok && spec.pickAny && len(others) > 0 {
		pick := patchPick(elems, others)
		found[spec.slots[0].typ] = pick
		others = patchWithoutIndex(others, pick)
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
		typ, _ := patchScalarString(elems[i].typ)
		p.ignore(fmt.Sprintf("%s[type eq %q]", t.name, strings.ToLower(typ)))
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

// removeElements removes the listed elements (the non-RFC form with a value list). An element names
// its slot by type, by value, or both; one with neither removes nothing.
func (p *userPatcher) removeElements(t patchTarget, elems []patchElement, spec patchMultiSpec) error {
	if len(elems) == 0 {
		for _, sl := range spec.slots {
			p.write(sl, "")
		}
		return nil
	}
	for _, el := range elems {
		typ, _ := patchScalarString(el.typ)
		matched := false
		for _, sl := range spec.slots {
			current := *sl.ptr(p.user)
			switch {
			case typ != "" && !strings.EqualFold(typ, sl.typ):
				continue
			case typ == "" && el.value == "":
				continue
			case el.value != "" && !spec.equal(current, el.value) && (typ == "" || current != ""):
				// A value that is not the element's known value names some other element.
				continue
			}
			p.write(sl, "")
			matched = true
		}
		if !matched && typ != "" {
			if _, ok := spec.slot(typ); !ok {
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
			// The type is known and its value is not: the element Entra means may be absent (add and
			// replace create it) or simply not loaded (remove clears it).
			selected = append(selected, sl)
		}
	}
	if len(selected) == 0 {
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
		var isString bool
		if s, isString = patchString(v); !isString {
			return patchValueError(t.name, v, "a string")
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
	typ      any
	value    string
	hasValue bool
	primary  bool
}

// patchElements reads the elements of a multi-valued attribute: an array of objects, a single object,
// or bare strings (taken as values without a type).
func patchElements(name string, v any, valueKey string) ([]patchElement, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		list = x
	case []map[string]any:
		for _, m := range x {
			list = append(list, m)
		}
	default:
		list = []any{v}
	}
	elems := make([]patchElement, 0, len(list))
	for _, item := range list {
		if s, ok := patchScalarString(item); ok {
			elems = append(elems, patchElement{value: s, hasValue: true})
			continue
		}
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, patchValueError(name, item, "an object")
		}
		var el patchElement
		el.typ, _ = patchLookup(obj, "type")
		if raw, found := patchLookup(obj, valueKey); found {
			s, ok := patchString(raw)
			if !ok {
				return nil, patchValueError(name+"."+valueKey, raw, "a string")
			}
			el.value, el.hasValue = s, true
		}
		if raw, found := patchLookup(obj, "primary"); found {
			el.primary, _ = patchBool(raw)
		}
		elems = append(elems, el)
	}
	return elems, nil
}

// patchObject returns v as a JSON object.
func patchObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// patchLookup finds key in m, matching case-insensitively as SCIM attribute names do.
func patchLookup(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// patchScalarString converts a JSON string or number to a string. Numbers keep the digits as sent
// (a phone number 55555555555 must read back unchanged).
func patchScalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// patchString reads a value for a string attribute: a string or number, null (clears), or the
// wrappers older Entra clients put around one: {"value": …} or a one-element array.
func patchString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case map[string]any:
		inner, ok := patchLookup(x, "value")
		if !ok {
			return "", false
		}
		return patchString(inner)
	case []any:
		switch len(x) {
		case 0:
			return "", true
		case 1:
			return patchString(x[0])
		}
		return "", false
	}
	return patchScalarString(v)
}

// patchBool reads a boolean: true/false, the strings Entra's default mapping produces ("True",
// "False", in any case), 1/0, or one of those wrapped in {"value": …}.
func patchBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		s := strings.TrimSpace(x)
		switch {
		case strings.EqualFold(s, "true"):
			return true, true
		case strings.EqualFold(s, "false"):
			return false, true
		}
		b, err := strconv.ParseBool(s)
		return b, err == nil
	case json.Number:
		return patchBool(x.String())
	case float64:
		switch x {
		case 1:
			return true, true
		case 0:
			return false, true
		}
	case map[string]any:
		if inner, ok := patchLookup(x, "value"); ok {
			return patchBool(inner)
		}
	case []any:
		if len(x) == 1 {
			return patchBool(x[0])
		}
	}
	return false, false
}

// patchValueError reports a value of the wrong type for a mapped attribute, naming both.
func patchValueError(attr string, v any, want string) error {
	return patchError(scimerrors.ScimTypeInvalidValue,
		fmt.Sprintf("attribute %s: value %s is not %s", patchShow(attr), patchShow(v), want))
}

// patchShowLimit bounds how much of a sent value an error detail repeats.
const patchShowLimit = 80

// patchShow renders a value for an error detail as JSON, shortened.
func patchShow(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	s := fmt.Sprintf("(%T)", v)
	if err := enc.Encode(v); err == nil {
		s = strings.TrimSuffix(b.String(), "\n")
	}
	if len(s) > patchShowLimit {
		cut := patchShowLimit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
