package mapping

import (
	"fmt"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// Member is one member of a group: the user's SCIM id and, when known, its display text.
type Member struct{ Value, Display string }

// Group is a SCIM Group in the terms fsscim maps to a Freshservice requester or agent group.
type Group struct {
	ID, DisplayName, ExternalID, Description string
	Members                                  []Member
}

// GroupFromAttributes reads a validated POST or PUT body. Attribute names match case-insensitively;
// schemas, meta and anything unknown (such as the Microsoft group schema URI Entra adds) are not
// looked at. Members may carry "$ref": null and display text, which is kept.
func GroupFromAttributes(attrs map[string]any) (Group, error) {
	var g Group
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"id", &g.ID},
		{"displayName", &g.DisplayName},
		{"externalId", &g.ExternalID},
		{"description", &g.Description},
	} {
		v, ok := Lookup(attrs, f.name)
		if !ok {
			continue
		}
		s, err := readString(f.name, v)
		if err != nil {
			return Group{}, err
		}
		*f.dst = s
	}
	if strings.TrimSpace(g.DisplayName) == "" {
		return Group{}, invalid(scimerrors.ScimTypeInvalidValue, "attribute displayName is required")
	}
	if v, ok := Lookup(attrs, "members"); ok {
		members, err := groupMembers(v)
		if err != nil {
			return Group{}, err
		}
		g.Members = members
	}
	return g, nil
}

// GroupToAttributes is the SCIM resource attributes fsscim answers for g, without id, schemas and
// meta (the library adds those). Members are left out unless asked for: Entra fails a lookup whose
// groups carry members. When asked for, members is always present, empty for a group without any.
func GroupToAttributes(g Group, withMembers bool) map[string]any {
	attrs := map[string]any{"displayName": g.DisplayName}
	if g.ExternalID != "" {
		attrs["externalId"] = g.ExternalID
	}
	if g.Description != "" {
		attrs["description"] = g.Description
	}
	if withMembers {
		members := make([]any, 0, len(g.Members))
		for _, m := range g.Members {
			member := map[string]any{"value": m.Value}
			if m.Display != "" {
				member["display"] = m.Display
			}
			members = append(members, member)
		}
		attrs["members"] = members
	}
	return attrs
}

// groupMembers reads a members value: a list of {"value": id, "display": …} objects ("$ref" and type
// are not looked at).
func groupMembers(v any) ([]Member, error) {
	objs, err := objectList("members", v)
	if err != nil {
		return nil, err
	}
	members := make([]Member, 0, len(objs))
	for i, obj := range objs {
		raw, _ := Lookup(obj, "value")
		id, _ := raw.(string)
		if id == "" {
			return nil, wrongValue(fmt.Sprintf("members[%d].value", i), raw, "a member id")
		}
		m := Member{Value: id}
		if d, found := Lookup(obj, "display"); found {
			m.Display, _ = d.(string)
		}
		members = append(members, m)
	}
	return members, nil
}

// GroupChange is what a group PATCH asks for. Nil fields are unchanged. Replace, when set, is the new
// member list as a whole; Add and Remove are the members to add and remove after it. An id is in at
// most one of Add and Remove, and never in either when Replace is set: operations are applied in order,
// so the last one naming a member decides. Ignored lists the attributes fsscim does not map.
type GroupChange struct {
	DisplayName, ExternalID, Description *string
	Add, Remove                          []string
	Replace                              *[]string
	Ignored                              []string
}

// ApplyGroupPatch reads the operations of a group PATCH in order: members added in batches ("$ref":
// null), removed by a value list (Entra's default) or by members[value eq "id"] (its newer form),
// replaced as a whole, and displayName / externalId replaced by path or by a path-less object.
func ApplyGroupPatch(ops []PatchOp) (GroupChange, error) {
	var c groupChanger
	for _, op := range ops {
		kind, err := parsePatchOp(op.Op)
		if err != nil {
			return GroupChange{}, err
		}
		if op.Path == nil {
			err = c.applyObject(kind, op.Value)
		} else {
			err = c.applyPath(kind, op.Path, op.Value)
		}
		if err != nil {
			return GroupChange{}, err
		}
	}
	return c.change, nil
}

// groupChanger builds a GroupChange from operations.
type groupChanger struct {
	change  GroupChange
	ignored map[string]bool
}

func (c *groupChanger) ignore(name string) {
	if c.ignored == nil {
		c.ignored = map[string]bool{}
	}
	if !c.ignored[name] {
		c.ignored[name] = true
		c.change.Ignored = append(c.change.Ignored, name)
	}
}

func (c *groupChanger) applyObject(kind patchOp, v any) error {
	if kind == patchRemove {
		return invalid(scimerrors.ScimTypeNoTarget, "a remove operation needs a path")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return invalid(scimerrors.ScimTypeInvalidValue,
			fmt.Sprintf("a PATCH operation without path needs an object value, not %s", patchShow(v)))
	}
	for _, kv := range entries(obj) {
		if patchSkippedKeys[strings.ToLower(kv.key)] {
			continue
		}
		name := kv.key
		if strings.ContainsAny(name, ".[:") {
			// Not an attribute name: a path belongs in the operation's path.
			name = ""
		}
		if err := c.applyAttr(kind, kv.key, name, "", nil, kv.value); err != nil {
			return err
		}
	}
	return nil
}

func (c *groupChanger) applyPath(kind patchOp, p *filter.Path, v any) error {
	if uri := p.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, SchemaGroup) {
		c.ignore(p.String())
		return nil
	}
	sub := p.AttributePath.SubAttributeName()
	if sub == "" {
		sub = p.SubAttributeName()
	}
	return c.applyAttr(kind, p.String(), p.AttributePath.AttributeName, sub, p.ValueExpression, v)
}

// applyAttr applies one operation on the attribute attr (display is how the request named it).
func (c *groupChanger) applyAttr(kind patchOp, display, attr, sub string, f filter.Expression, v any) error {
	lower := strings.ToLower(attr)
	if lower == "members" {
		return c.applyMembers(kind, display, sub, f, v)
	}
	var dst **string
	switch lower {
	case "displayname":
		dst = &c.change.DisplayName
	case "externalid":
		dst = &c.change.ExternalID
	case "description":
		dst = &c.change.Description
	}
	if dst == nil || sub != "" || f != nil {
		c.ignore(display)
		return nil
	}
	s := ""
	if kind != patchRemove {
		var err error
		if s, err = readString(display, v); err != nil {
			return err
		}
	}
	if lower == "displayname" && strings.TrimSpace(s) == "" {
		return invalid(scimerrors.ScimTypeInvalidValue, "attribute displayName is required and cannot be emptied")
	}
	*dst = &s
	return nil
}

func (c *groupChanger) applyMembers(kind patchOp, display, sub string, f filter.Expression, v any) error {
	if sub != "" && !strings.EqualFold(sub, "value") {
		c.ignore(display)
		return nil
	}
	var ids []string
	switch {
	case f != nil:
		id, ok := groupFilterIDs(f)
		if !ok {
			return invalid(scimerrors.ScimTypeInvalidFilter,
				fmt.Sprintf(`members filter %s is not supported: use members[value eq "id"]`, patchShow(display)))
		}
		ids = id
	case kind == patchRemove && v == nil:
		// RFC 7644: remove without a filter or value removes every member.
		c.replace(nil)
		return nil
	default:
		members, err := groupMembers(v)
		if err != nil {
			return err
		}
		for _, m := range members {
			ids = append(ids, m.Value)
		}
	}
	switch {
	case kind == patchRemove:
		for _, id := range ids {
			c.remove(id)
		}
	case kind == patchReplace && f == nil:
		c.replace(ids)
	default:
		for _, id := range ids {
			c.add(id)
		}
	}
	return nil
}

// groupFilterIDs reads value eq "id" filters, alone or joined by or.
func groupFilterIDs(e filter.Expression) ([]string, bool) {
	if x, ok := e.(*filter.LogicalExpression); ok && x != nil {
		if !strings.EqualFold(string(x.Operator), string(filter.OR)) {
			return nil, false
		}
		left, lok := groupFilterIDs(x.Left)
		right, rok := groupFilterIDs(x.Right)
		return append(left, right...), lok && rok
	}
	id, ok := patchFilterValue(e)
	return []string{id}, ok && id != ""
}

func (c *groupChanger) replace(ids []string) {
	list := []string{}
	for _, id := range ids {
		list = groupWith(list, id)
	}
	c.change.Replace = &list
	c.change.Add, c.change.Remove = nil, nil
}

func (c *groupChanger) add(id string) {
	if c.change.Replace != nil {
		*c.change.Replace = groupWith(*c.change.Replace, id)
		return
	}
	c.change.Remove = groupNilIfEmpty(groupWithout(c.change.Remove, id))
	c.change.Add = groupWith(c.change.Add, id)
}

func (c *groupChanger) remove(id string) {
	if c.change.Replace != nil {
		*c.change.Replace = groupWithout(*c.change.Replace, id)
		return
	}
	c.change.Add = groupNilIfEmpty(groupWithout(c.change.Add, id))
	c.change.Remove = groupWith(c.change.Remove, id)
}

func groupWith(list []string, id string) []string {
	for _, x := range list {
		if x == id {
			return list
		}
	}
	return append(list, id)
}

func groupWithout(list []string, id string) []string {
	for i, x := range list {
		if x == id {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// groupNilIfEmpty keeps "no members to add/remove" as nil, however the list got empty.
func groupNilIfEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}
