package mapping

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"

	"github.com/fsscim/fsscim/mapping/scimfilter"
)

// The slots a user filter reads attributes by (see UserView). The tenant's custom attributes of the
// Freshservice extension follow the fixed ones, in the order of their names.
const (
	UserSlotID = iota
	UserSlotExternalID
	UserSlotMeta
	UserSlotUserName
	UserSlotName
	UserSlotDisplayName
	UserSlotTitle
	UserSlotEmails
	UserSlotPhoneNumbers
	UserSlotAddresses
	UserSlotTimezone
	UserSlotLocale
	UserSlotPreferredLanguage
	UserSlotActive
	UserSlotDepartment
	UserSlotManager
	UserSlotEnterpriseLocation
	UserSlotIsAgent
	UserSlotLocation
	// The attributes fsscim keeps itself (see keptAttributes); the name parts it keeps are
	// sub-attributes of UserSlotName.
	UserSlotNickName
	UserSlotProfileURL
	UserSlotUserType
	UserSlotEmployeeNumber
	UserSlotCostCenter
	UserSlotOrganization
	UserSlotDivision
	userSlotCustom
)

// keptSlots are the slots of the kept attributes that are attributes of their own, by their key in
// User.Kept.
var keptSlots = map[int]string{
	UserSlotNickName:       "nickName",
	UserSlotProfileURL:     "profileUrl",
	UserSlotUserType:       "userType",
	UserSlotEmployeeNumber: SchemaEnterprise + ":employeeNumber",
	UserSlotCostCenter:     SchemaEnterprise + ":costCenter",
	UserSlotOrganization:   SchemaEnterprise + ":organization",
	UserSlotDivision:       SchemaEnterprise + ":division",
}

// KeptSlot reports whether slot is one of an attribute fsscim keeps itself (User.Kept): a kept
// attribute of its own, or the name, whose middle name and honorifics fsscim keeps.
func KeptSlot(slot int) bool {
	_, ok := keptSlots[slot]
	return ok || slot == UserSlotName
}

// The slots a group filter reads attributes by (see GroupView).
const (
	GroupSlotID = iota
	GroupSlotExternalID
	GroupSlotMeta
	GroupSlotDisplayName
	GroupSlotMembers
)

// Sub-attributes of the complex attributes fsscim holds, in the order their views number them.
var (
	metaSubs    = []string{"resourceType", "created", "lastModified"}
	nameSubs    = []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"}
	emailSubs   = []string{"value", "type", "primary"}
	phoneSubs   = []string{"value", "type"}
	addressSubs = []string{"formatted", "type"}
	managerSubs = []string{"value"}
	memberSubs  = []string{"value", "display", "type"}
)

// heldAttribute describes an attribute fsscim holds, with its type and case rule taken from the
// schema that declares it; one that no schema declares (the enterprise _location of Freshservice's
// own app) is a string that ignores case.
func heldAttribute(declared schema.Attributes, name string, slot int, subs []string) scimfilter.Attribute {
	out := scimfilter.Attribute{Name: name, Type: scimfilter.TypeString, Slot: slot}
	var a *schema.CoreAttribute
	for i := range declared {
		if strings.EqualFold(declared[i].Name(), name) {
			a = &declared[i]
			break
		}
	}
	if a != nil {
		out.Name, out.Type, out.CaseExact, out.MultiValued = a.Name(), scimfilter.TypeNamed(a.AttributeType()), a.CaseExact(), a.MultiValued()
	}
	if len(subs) == 0 {
		return out
	}
	out.Type = scimfilter.TypeComplex
	var declaredSubs schema.Attributes
	if a != nil {
		declaredSubs = a.SubAttributes()
	}
	for _, s := range subs {
		out.Sub = append(out.Sub, heldAttribute(declaredSubs, s, 0, nil))
	}
	return out
}

// baseCatalogs are the schemas' parts every tenant shares, built once: the SCIM library builds its
// schemas anew on every call.
var baseCatalogs = sync.OnceValues(func() (users, groups []scimfilter.Schema) {
	common := schema.CommonAttributes()
	core := schema.CoreUserSchema().Attributes
	enterprise := schema.ExtensionEnterpriseUser().Attributes
	users = []scimfilter.Schema{
		{URN: SchemaUser, Attributes: []scimfilter.Attribute{
			heldAttribute(common, "id", UserSlotID, nil),
			heldAttribute(common, "externalId", UserSlotExternalID, nil),
			heldAttribute(common, "meta", UserSlotMeta, metaSubs),
			heldAttribute(core, "userName", UserSlotUserName, nil),
			heldAttribute(core, "name", UserSlotName, nameSubs),
			heldAttribute(core, "displayName", UserSlotDisplayName, nil),
			heldAttribute(core, "title", UserSlotTitle, nil),
			heldAttribute(core, "emails", UserSlotEmails, emailSubs),
			heldAttribute(core, "phoneNumbers", UserSlotPhoneNumbers, phoneSubs),
			heldAttribute(core, "addresses", UserSlotAddresses, addressSubs),
			heldAttribute(core, "timezone", UserSlotTimezone, nil),
			heldAttribute(core, "locale", UserSlotLocale, nil),
			heldAttribute(core, "preferredLanguage", UserSlotPreferredLanguage, nil),
			heldAttribute(core, "active", UserSlotActive, nil),
			heldAttribute(core, "nickName", UserSlotNickName, nil),
			heldAttribute(core, "profileUrl", UserSlotProfileURL, nil),
			heldAttribute(core, "userType", UserSlotUserType, nil),
		}},
		{URN: SchemaEnterprise, Attributes: []scimfilter.Attribute{
			heldAttribute(enterprise, "department", UserSlotDepartment, nil),
			heldAttribute(enterprise, "manager", UserSlotManager, managerSubs),
			heldAttribute(enterprise, locationKeyFS, UserSlotEnterpriseLocation, nil),
			heldAttribute(enterprise, "employeeNumber", UserSlotEmployeeNumber, nil),
			heldAttribute(enterprise, "costCenter", UserSlotCostCenter, nil),
			heldAttribute(enterprise, "organization", UserSlotOrganization, nil),
			heldAttribute(enterprise, "division", UserSlotDivision, nil),
		}},
	}
	groupCore := schema.CoreGroupSchema().Attributes
	groups = []scimfilter.Schema{{URN: SchemaGroup, Attributes: []scimfilter.Attribute{
		heldAttribute(common, "id", GroupSlotID, nil),
		heldAttribute(common, "externalId", GroupSlotExternalID, nil),
		heldAttribute(common, "meta", GroupSlotMeta, metaSubs),
		heldAttribute(groupCore, "displayName", GroupSlotDisplayName, nil),
		heldAttribute(groupCore, "members", GroupSlotMembers, memberSubs),
	}}}
	return users, groups
})

// UserSearch is what a tenant's user filters are compiled against: the attributes fsscim holds
// for users, with the tenant's custom attributes.
type UserSearch struct {
	catalog *scimfilter.Catalog
	custom  []string // custom attribute names, in slot order
}

// NewUserSearch returns the user filter catalog for a tenant's options.
func NewUserSearch(opts Options) *UserSearch {
	users, _ := baseCatalogs()
	custom := make([]string, 0, len(opts.Attributes))
	for name := range opts.Attributes {
		custom = append(custom, name)
	}
	sort.Strings(custom)
	declared := FreshserviceExtension(opts.Attributes).Attributes
	ext := scimfilter.Schema{URN: SchemaFreshservice, Attributes: []scimfilter.Attribute{
		// isAgent is declared and answered as a string ("True" as the client sent it), which compares
		// ignoring case: "true", "True" and the literal true all match an agent.
		heldAttribute(declared, "isAgent", UserSlotIsAgent, nil),
		heldAttribute(declared, "location", UserSlotLocation, nil),
	}}
	for i, name := range custom {
		ext.Attributes = append(ext.Attributes, heldAttribute(declared, name, userSlotCustom+i, nil))
	}
	return &UserSearch{catalog: scimfilter.NewCatalog(users[0], users[1], ext), custom: custom}
}

// Compile reads a user filter; a filter fsscim cannot use is a SCIM 400 invalidFilter naming the
// part it could not use.
func (s *UserSearch) Compile(raw string) (*scimfilter.Filter, error) {
	return compileFilter(s.catalog, raw)
}

// UsesCustom reports whether f reads one of the tenant's custom attributes.
func (s *UserSearch) UsesCustom(f *scimfilter.Filter) bool {
	for i := range s.custom {
		if f.Uses(userSlotCustom + i) {
			return true
		}
	}
	return false
}

// GroupSearch is what group filters are compiled against.
type GroupSearch struct{ catalog *scimfilter.Catalog }

// NewGroupSearch returns the group filter catalog.
func NewGroupSearch() *GroupSearch {
	_, groups := baseCatalogs()
	return &GroupSearch{catalog: scimfilter.NewCatalog(groups[0])}
}

// Compile reads a group filter, like UserSearch.Compile.
func (s *GroupSearch) Compile(raw string) (*scimfilter.Filter, error) {
	return compileFilter(s.catalog, raw)
}

// compileFilter reads a filter against c; one that cannot be used is the SCIM answer for it
// (RFC 7644 §3.12: invalidFilter).
func compileFilter(c *scimfilter.Catalog, raw string) (*scimfilter.Filter, error) {
	f, err := c.Compile(raw)
	if err != nil {
		return nil, scimerrors.ScimError{
			ScimType: scimerrors.ScimTypeInvalidFilter,
			Detail:   fmt.Sprintf("The filter cannot be used: %v.", err),
			Status:   http.StatusBadRequest,
		}
	}
	return f, nil
}

// UserView is a user as a filter reads it: the attributes UserToAttributes answers, by slot, with
// the times of its meta. It copies nothing: the values are u's own strings.
type UserView struct {
	search *UserSearch
	u      *User
	meta   metaTimes
}

// View returns u as filters compiled by s read it.
func (s *UserSearch) View(u *User, created, lastModified time.Time) UserView {
	return UserView{search: s, u: u, meta: metaTimes{created, lastModified}}
}

var _ scimfilter.Resource = UserView{}

// SetTimes changes the meta times the view answers, so that one view serves a search over many users.
func (v *UserView) SetTimes(created, lastModified time.Time) {
	v.meta = metaTimes{created, lastModified}
}

// metaTimes are the times a view answers as meta.created and meta.lastModified.
type metaTimes struct{ created, lastModified time.Time }

// value is meta's sub-attribute sub (in metaSubs order) of a resource of type resourceType.
func (m metaTimes) value(resourceType string, sub int) scimfilter.Value {
	switch sub {
	case 0:
		return text(resourceType)
	case 1:
		return timeValue(m.created)
	case 2:
		return timeValue(m.lastModified)
	}
	return scimfilter.Value{}
}

func text(s string) scimfilter.Value { return scimfilter.Value{Kind: scimfilter.KindString, Str: s} }

func timeValue(t time.Time) scimfilter.Value {
	if t.IsZero() {
		return scimfilter.Value{}
	}
	return scimfilter.Value{Kind: scimfilter.KindTime, Time: t.UnixNano()}
}

func has(s string) int {
	if s == "" {
		return 0
	}
	return 1
}

// userStrings read the slots that hold one string of the user, the same for Count and Value.
var userStrings = [...]func(*User) string{
	UserSlotID:                func(u *User) string { return u.ID },
	UserSlotExternalID:        func(u *User) string { return u.ExternalID },
	UserSlotUserName:          func(u *User) string { return u.UserName },
	UserSlotDisplayName:       func(u *User) string { return u.DisplayName },
	UserSlotTitle:             func(u *User) string { return u.Title },
	UserSlotTimezone:          func(u *User) string { return u.TimeZone },
	UserSlotLocale:            func(u *User) string { return u.Locale },
	UserSlotPreferredLanguage: func(u *User) string { return u.PreferredLanguage },
	UserSlotDepartment:        func(u *User) string { return u.Department },
	UserSlotManager:           func(u *User) string { return u.ManagerID },
	UserSlotLocation:          func(u *User) string { return u.Location },
}

// groupStrings read the slots that hold one string of the group, the same for Count and Value.
var groupStrings = [...]func(*Group) string{
	GroupSlotID:          func(g *Group) string { return g.ID },
	GroupSlotExternalID:  func(g *Group) string { return g.ExternalID },
	GroupSlotDisplayName: func(g *Group) string { return g.DisplayName },
}

// slotString is the reader of slot among readers when the slot holds one string, or nil.
func slotString[T any](readers []func(*T) string, slot int) func(*T) string {
	if slot < 0 || slot >= len(readers) {
		return nil
	}
	return readers[slot]
}

// Count implements scimfilter.Resource.
func (v UserView) Count(slot int) int {
	u := v.u
	if get := slotString(userStrings[:], slot); get != nil {
		return has(get(u))
	}
	switch slot {
	case UserSlotMeta, UserSlotActive:
		return 1
	case UserSlotName:
		if u.GivenName == "" && u.FamilyName == "" && u.FormattedName == "" &&
			u.Kept["name.middleName"] == "" && u.Kept["name.honorificPrefix"] == "" && u.Kept["name.honorificSuffix"] == "" {
			return 0
		}
		return 1
	case UserSlotEmails:
		return has(u.WorkEmail)
	case UserSlotPhoneNumbers:
		return has(u.WorkPhone) + has(u.MobilePhone)
	case UserSlotAddresses:
		return has(u.WorkAddress)
	case UserSlotEnterpriseLocation:
		// Answered only to a user whose location the client writes there.
		if !u.EnterpriseLocation {
			return 0
		}
		return has(u.Location)
	case UserSlotIsAgent:
		if u.IsAgent == nil {
			return 0
		}
		return 1
	}
	if key, ok := keptSlots[slot]; ok {
		return has(u.Kept[key])
	}
	if name, ok := v.customName(slot); ok {
		if val, ok := u.Custom[name]; ok && val != nil {
			return 1
		}
	}
	return 0
}

func (v UserView) customName(slot int) (string, bool) {
	i := slot - userSlotCustom
	if i < 0 || i >= len(v.search.custom) {
		return "", false
	}
	return v.search.custom[i], true
}

// Value implements scimfilter.Resource.
func (v UserView) Value(slot, i, sub int) scimfilter.Value {
	u := v.u
	if get := slotString(userStrings[:], slot); get != nil {
		return text(get(u))
	}
	switch slot {
	case UserSlotMeta:
		return v.meta.value("User", sub)
	case UserSlotName:
		switch sub {
		case 0:
			if u.FormattedName != "" {
				return text(u.FormattedName)
			}
			return text(firstLast(u.GivenName, u.FamilyName))
		case 1:
			return text(u.FamilyName)
		case 2:
			return text(u.GivenName)
		case 3:
			return text(u.Kept["name.middleName"])
		case 4:
			return text(u.Kept["name.honorificPrefix"])
		case 5:
			return text(u.Kept["name.honorificSuffix"])
		}
	case UserSlotEmails:
		if sub == 2 {
			return scimfilter.Value{Kind: scimfilter.KindBool, Bool: true}
		}
		return valueOrType(sub, u.WorkEmail, "work")
	case UserSlotPhoneNumbers:
		number, typ := u.WorkPhone, "work"
		if i == 1 || u.WorkPhone == "" {
			number, typ = u.MobilePhone, "mobile"
		}
		return valueOrType(sub, number, typ)
	case UserSlotAddresses:
		return valueOrType(sub, u.WorkAddress, "work")
	case UserSlotActive:
		return scimfilter.Value{Kind: scimfilter.KindBool, Bool: u.Active}
	case UserSlotEnterpriseLocation:
		if u.EnterpriseLocation {
			return text(u.Location)
		}
	case UserSlotIsAgent:
		return text(AgentAnswer(*u))
	default:
		if key, ok := keptSlots[slot]; ok {
			return text(u.Kept[key])
		}
		if name, ok := v.customName(slot); ok {
			return scalarText(u.Custom[name])
		}
	}
	return scimfilter.Value{}
}

// valueOrType reads the value (sub 0) or the type (sub 1) of an entry of a typed multi-valued
// attribute; emails, phone numbers and addresses share those two sub-attributes.
func valueOrType(sub int, value, typ string) scimfilter.Value {
	switch sub {
	case 0:
		return text(value)
	case 1:
		return text(typ)
	}
	return scimfilter.Value{}
}

// scalarText is a custom field's value as the text it compares as.
func scalarText(v any) scimfilter.Value {
	switch t := v.(type) {
	case nil:
		return scimfilter.Value{}
	case string:
		return text(t)
	case bool:
		return text(strconv.FormatBool(t))
	case json.Number:
		return text(t.String())
	case float64:
		return text(strconv.FormatFloat(t, 'f', -1, 64))
	}
	return text(fmt.Sprint(v))
}

// GroupView is a group as a filter reads it. Members are read only when g.Members is set.
type GroupView struct {
	g    *Group
	meta metaTimes
}

// View returns g as group filters read it.
func (s *GroupSearch) View(g *Group, created, lastModified time.Time) GroupView {
	return GroupView{g: g, meta: metaTimes{created, lastModified}}
}

var _ scimfilter.Resource = GroupView{}

// Count implements scimfilter.Resource.
func (v GroupView) Count(slot int) int {
	if get := slotString(groupStrings[:], slot); get != nil {
		return has(get(v.g))
	}
	switch slot {
	case GroupSlotMeta:
		return 1
	case GroupSlotMembers:
		return len(v.g.Members)
	}
	return 0
}

// Value implements scimfilter.Resource.
func (v GroupView) Value(slot, i, sub int) scimfilter.Value {
	if get := slotString(groupStrings[:], slot); get != nil {
		return text(get(v.g))
	}
	switch slot {
	case GroupSlotMeta:
		return v.meta.value("Group", sub)
	case GroupSlotMembers:
		if i < 0 || i >= len(v.g.Members) {
			return scimfilter.Value{}
		}
		m := v.g.Members[i]
		switch sub {
		case 0:
			return text(m.Value)
		case 1:
			return text(m.Display)
		case 2:
			return text("User")
		}
	}
	return scimfilter.Value{}
}
