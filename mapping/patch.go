package mapping

import (
	"fmt"
	"maps"
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

// ApplyUserPatch applies the operations of a user PATCH (RFC 7644 §3.5.2), in order, to u. Operations
// are in standard form (proxy/dialect puts what clients send in it): op is add, replace or remove; a
// path-less operation's value is an object of attribute names, or of extension URNs holding objects;
// booleans are JSON booleans, strings strings, the manager {"value": id}, and the value of a
// multi-valued attribute, or of a value filter without a sub-attribute, a list of objects. Names match
// in any case. Filtered paths on emails, phoneNumbers and addresses that match no element create it on
// add and replace, as Entra expects.
//
// Attributes fsscim does not map are reported in Ignored and never fail the PATCH: a rejection would
// make Entra retry the same change for ever and eventually quarantine the job. The only errors are
// SCIM 400s for a value of the wrong type for a mapped attribute, an unknown op and a remove without a
// path. On error u is left unchanged. u must not be nil.
func ApplyUserPatch(u *User, ops []PatchOp, opts Options) (PatchResult, error) {
	work := *u
	work.Custom = maps.Clone(u.Custom)
	work.Kept = maps.Clone(u.Kept)
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
	switch op {
	case "add":
		return patchAdd, nil
	case "replace":
		return patchReplace, nil
	case "remove":
		return patchRemove, nil
	}
	return 0, invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf("unsupported PATCH op %s: use add, replace or remove", patchShow(op)))
}

// patchTarget is one attribute an operation addresses, from its path or from one key of a path-less
// value object.
type patchTarget struct {
	schema string            // "" for the core schema, a known extension URN, or the unknown URN as sent
	whole  bool              // the target is the whole schema (an extension object)
	attr   string            // attribute name as sent
	sub    string            // sub-attribute as sent, "" if none
	filter filter.Expression // value filter of a path like emails[type eq "work"], nil if none
	name   string            // the path or key as sent, for Ignored and error details
}

// patchKnownSchemas are the URNs fsscim maps attributes of, in their canonical spelling.
var patchKnownSchemas = [...]string{SchemaUser, SchemaEnterprise, SchemaFreshservice}

// patchKnownSchema matches uri case-insensitively against the URNs fsscim maps and returns how the
// targets name it: "" for the core schema, else the canonical spelling; an unknown URN stays as sent.
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

// patchTargetFromPath resolves a parsed PATCH path.
func patchTargetFromPath(p *filter.Path) patchTarget {
	schema, _ := patchKnownSchema(p.AttributePath.URI())
	t := patchTarget{
		schema: schema,
		attr:   p.AttributePath.AttributeName,
		sub:    p.AttributePath.SubAttributeName(),
		filter: p.ValueExpression,
		name:   p.String(),
	}
	if t.sub == "" {
		t.sub = p.SubAttributeName()
	}
	return t
}

// patchTargetFromKey resolves one key of a path-less value object: an attribute name of the schema
// the object belongs to (inSchema, "" for the core schema), or at the top level an extension URN whose
// value holds that extension's attributes. Anything else names no attribute.
func patchTargetFromKey(key, inSchema string) patchTarget {
	t := patchTarget{schema: inSchema, attr: key, name: key}
	if inSchema != "" {
		t.name = inSchema + ":" + key
	}
	if schema, known := patchKnownSchema(key); known && inSchema == "" && schema != "" {
		return patchTarget{schema: schema, whole: true, name: key}
	}
	if strings.ContainsAny(key, ".[:") {
		t.attr = ""
	}
	return t
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
			return invalid(scimerrors.ScimTypeNoTarget, "a remove operation needs a path")
		}
		obj, ok := op.Value.(map[string]any)
		if !ok {
			return invalid(scimerrors.ScimTypeInvalidValue,
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
// if it were an operation of its own, in key order.
func (p *userPatcher) applyObject(kind patchOp, obj map[string]any, inSchema string) error {
	for _, kv := range entries(obj) {
		if inSchema == "" && patchSkippedKeys[strings.ToLower(kv.key)] {
			continue
		}
		if err := p.applyTarget(kind, patchTargetFromKey(kv.key, inSchema), kv.value); err != nil {
			return err
		}
	}
	return nil
}

func (p *userPatcher) applyTarget(kind patchOp, t patchTarget, v any) error {
	if t.whole {
		obj, ok := v.(map[string]any)
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

func (p *userPatcher) applyCore(kind patchOp, t patchTarget, v any) error {
	attr := strings.ToLower(t.attr)
	if a, ok := coreStringAttrs[attr]; ok {
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
		if kind == patchRemove || v == nil {
			// fsscim does not guess a state for these, and reports them instead.
			p.ignore(t.name)
			return nil
		}
		b, _, err := readBoolean(t.name, v)
		if err != nil {
			return err
		}
		p.user.Active = b
		p.touched.Add(FieldActive)
		return nil
	case "name":
		return p.applyName(kind, t, v)
	case "emails", "phonenumbers", "addresses":
		return p.applyMulti(kind, t, v, patchMultiSpecs[attr])
	}
	if key, ok := keptKey("", t.attr, ""); ok && t.sub == "" && t.filter == nil {
		return p.setKept(kind, t, v, key)
	}
	p.ignore(t.name)
	return nil
}

// setKept writes an attribute fsscim keeps itself, like setString.
func (p *userPatcher) setKept(kind patchOp, t patchTarget, v any, key string) error {
	s := ""
	if kind != patchRemove {
		var err error
		if s, err = readString(t.name, v); err != nil {
			return err
		}
	}
	setKept(p.user, key, s)
	p.touched.Add(FieldKept)
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
		if key, ok := keptKey("", "name", t.sub); ok {
			return p.setKept(kind, t, v, key)
		}
		p.ignore(t.name)
		return nil
	}
	if kind == patchRemove || v == nil {
		p.user.GivenName, p.user.FamilyName = "", ""
		p.touched.Add(FieldGivenName)
		p.touched.Add(FieldFamilyName)
		for key := range p.user.Kept {
			if strings.HasPrefix(key, "name.") {
				delete(p.user.Kept, key)
				p.touched.Add(FieldKept)
			}
		}
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return wrongValue(t.name, v, "an object")
	}
	for _, kv := range entries(obj) {
		sub := patchTarget{schema: t.schema, attr: t.attr, sub: kv.key, name: t.attr + "." + kv.key}
		if err := p.applyName(kind, sub, kv.value); err != nil {
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
	}
	if key, ok := keptKey(SchemaEnterprise, t.attr, ""); ok && t.sub == "" && t.filter == nil {
		return p.setKept(kind, t, v, key)
	}
	p.ignore(t.name)
	return nil
}

// applyManager handles the enterprise manager and its value sub-attribute. A value filter selects
// elements of a multi-valued attribute, and the manager is single-valued: a path with one names
// nothing fsscim maps.
func (p *userPatcher) applyManager(kind patchOp, t patchTarget, v any) error {
	sub := strings.ToLower(t.sub)
	if (sub != "" && sub != "value") || t.filter != nil {
		p.ignore(t.name)
		return nil
	}
	if kind == patchRemove {
		p.user.ManagerID = ""
		p.touched.Add(FieldManager)
		return nil
	}
	var id string
	var err error
	named := true
	if sub == "value" {
		id, err = readString(t.name, v)
	} else {
		id, named, err = readManager(t.name, v)
	}
	if err != nil {
		return err
	}
	if !named {
		p.ignore(t.name)
		return nil
	}
	p.user.ManagerID = id
	p.touched.Add(FieldManager)
	return nil
}

func (p *userPatcher) applyFreshservice(kind patchOp, t patchTarget, v any) error {
	if t.sub != "" || t.filter != nil {
		p.ignore(t.name)
		return nil
	}
	switch strings.ToLower(t.attr) {
	case "isagent":
		if kind == patchRemove || v == nil {
			p.ignore(t.name)
			return nil
		}
		agent, present, text, err := readAgentFlag(t.name, v)
		if err != nil {
			return err
		}
		if !present {
			p.ignore(t.name)
			return nil
		}
		p.user.IsAgent, p.user.AgentText = &agent, text
		p.touched.Add(FieldIsAgent)
		return nil
	case "location":
		p.user.EnterpriseLocation = p.opts.LocationAsEnterprise
		return p.setString(kind, t, v, FieldLocation, &p.user.Location)
	}
	name, _, ok := p.opts.customAttribute(t.attr)
	if !ok {
		p.ignore(t.name)
		return nil
	}
	var value any
	if kind != patchRemove && v != nil {
		s, err := readString(t.name, v)
		if err != nil {
			return err
		}
		value = s
	}
	if p.user.Custom == nil {
		p.user.Custom = map[string]any{}
	}
	p.user.Custom[name] = value
	p.touched.Add(FieldCustom)
	return nil
}

// setString writes a single-valued string attribute: add and replace set it (null clears), remove
// clears it.
func (p *userPatcher) setString(kind patchOp, t patchTarget, v any, f Field, dst *string) error {
	s := ""
	if kind != patchRemove {
		var err error
		if s, err = readString(t.name, v); err != nil {
			return err
		}
	}
	*dst = s
	p.touched.Add(f)
	return nil
}
