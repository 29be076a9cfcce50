package replica

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// User is a user as the replica takes it in and gives it back: Freshservice's state, the SCIM user
// fsscim answers for it (worked out by the caller from that state, fsscim's record of it and the
// tenant's options), and whether a SCIM DELETE removed it (it then answers 404 and matches no filter).
type User struct {
	FS      freshservice.User
	View    mapping.User
	Deleted bool
}

// The string fields of a user record, Freshservice's first, then the SCIM view's.
const (
	fMail      = iota
	fSecondary // secondary emails, joined by newlines
	fFirst
	fLast
	fJobTitle
	fWorkPhone
	fMobilePhone
	fAddress
	fTimeZone
	fLanguage
	fExternalID
	fCustom      // custom_fields as JSON
	fDepartments // department ids, as varints
	fRoles       // an agent's role ids, as varints: the key owner guard reads them
	vUserName
	vExternalID
	vGiven
	vFamily
	vFormatted
	vDisplay
	vTitle
	vWorkEmail
	vWorkPhone
	vMobilePhone
	vWorkAddress
	vTimeZone
	vLocale
	vPreferredLanguage
	vDepartment
	vManager
	vLocation
	vCustom    // Custom as JSON
	vAgentText // isAgent as the client sent it
	vKept      // Kept as JSON
	numFields
)

// Flags of a user record.
const (
	flagActive uint16 = 1 << iota
	flagAgent
	flagOccasional
	flagViewActive
	flagViewAgentSet
	flagViewAgent
	flagDeleted
	// flagUncertain says a write to the user may have landed without fsscim learning its outcome:
	// the next change reads the user from Freshservice instead of the replica.
	flagUncertain
	// The SCIM view's time zone is the one mapping gives for Freshservice's, and its manager the
	// decimal of Freshservice's: neither is stored twice.
	flagTimeZoneDerived
	flagManagerDerived
	// flagViewEnterpriseLocation: the SCIM view answers the location as the enterprise "_location"
	// too.
	flagViewEnterpriseLocation
)

// userRec is one user, compactly: the replica holds every user of a tenant. The strings live in one
// blob, which starts with a table of two bytes per field: the end of the field's text (after the
// table), or, with the top bit set, the number of an earlier field holding the same text.
type userRec struct {
	id       int64
	manager  int64
	location int64
	created  uint32 // Unix seconds (to 2106)
	updated  uint32
	flags    uint16
	blob     string
}

const (
	tableSize   = 2 * numFields
	refBit      = 0x8000
	maxBlobText = refBit - 1 // text after the table
	// maxFieldText bounds one field when a record would not fit (Freshservice's text fields hold
	// 255 characters; custom fields and long lists are what could be cut).
	maxFieldText = 1024
)

// field returns the text of field i.
func (r *userRec) field(i int) string {
	b := r.blob
	if len(b) < tableSize {
		return ""
	}
	e := uint16(b[2*i]) | uint16(b[2*i+1])<<8
	if e&refBit != 0 {
		i = int(e &^ refBit)
		e = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	start := uint16(0)
	for j := i - 1; j >= 0; j-- {
		p := uint16(b[2*j]) | uint16(b[2*j+1])<<8
		if p&refBit == 0 {
			start = p
			break
		}
	}
	return b[tableSize+int(start) : tableSize+int(e)]
}

// encodeBlob lays out the fields, storing each distinct text once, in a string of exactly the size
// it needs.
func encodeBlob(fields *[numFields]string) string {
	total := 0
	for _, f := range fields {
		total += len(f)
	}
	if total > maxBlobText {
		// Cut the longest fields until the record fits: a filter on them may then miss, which is
		// better than not holding the user at all.
		for i := range fields {
			if len(fields[i]) > maxFieldText {
				fields[i] = fields[i][:maxFieldText]
			}
		}
	}
	// refs[i] is the earlier field holding the same text, or -1.
	var refs [numFields]int
	text := 0
	for i, f := range fields {
		refs[i] = -1
		if f == "" {
			continue
		}
		for j := range i {
			if fields[j] == f {
				refs[i] = j
				break
			}
		}
		if refs[i] < 0 {
			if text+len(f) > maxBlobText {
				fields[i] = ""
				continue
			}
			text += len(f)
		}
	}
	buf := make([]byte, tableSize, tableSize+text)
	end := 0
	for i, f := range fields {
		if refs[i] >= 0 {
			binary.LittleEndian.PutUint16(buf[2*i:], uint16(refs[i])|refBit)
			continue
		}
		buf = append(buf, f...)
		end += len(f)
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(end))
	}
	return string(buf)
}

// encodeUser makes the record of u.
func encodeUser(u User) userRec {
	fu, v := u.FS, u.View
	var f [numFields]string
	f[fMail] = fu.Mail()
	f[fSecondary] = strings.Join(fu.SecondaryEmails, "\n")
	f[fFirst], f[fLast], f[fJobTitle] = fu.FirstName, fu.LastName, fu.JobTitle
	f[fWorkPhone], f[fMobilePhone] = string(fu.WorkPhoneNumber), string(fu.MobilePhoneNumber)
	f[fAddress], f[fTimeZone], f[fLanguage] = fu.Address, fu.TimeZone, fu.Language
	f[fExternalID] = string(fu.ExternalID)
	f[fCustom] = encodeCustom(fu.CustomFields)
	f[fDepartments] = encodeIDs(fu.DepartmentIDs)
	f[fRoles] = encodeIDs(roleIDs(fu.Roles))
	f[vUserName], f[vExternalID], f[vGiven], f[vFamily] = v.UserName, v.ExternalID, v.GivenName, v.FamilyName
	f[vFormatted], f[vDisplay], f[vTitle], f[vWorkEmail] = v.FormattedName, v.DisplayName, v.Title, v.WorkEmail
	f[vWorkPhone], f[vMobilePhone], f[vWorkAddress] = v.WorkPhone, v.MobilePhone, v.WorkAddress
	f[vTimeZone], f[vLocale], f[vPreferredLanguage] = v.TimeZone, v.Locale, v.PreferredLanguage
	f[vDepartment], f[vManager], f[vLocation] = v.Department, v.ManagerID, v.Location
	f[vCustom] = encodeCustom(v.Custom)
	f[vAgentText], f[vKept] = v.AgentText, encodeMap(v.Kept)
	var flags uint16
	if tz, ok := mapping.TimeZoneFromFreshservice(fu.TimeZone); ok && tz == v.TimeZone && tz != "" {
		f[vTimeZone], flags = "", flags|flagTimeZoneDerived
	}
	if fu.ReportingManagerID != 0 && v.ManagerID == strconv.FormatInt(int64(fu.ReportingManagerID), 10) {
		f[vManager], flags = "", flags|flagManagerDerived
	}
	r := userRec{
		id:       fu.ID,
		created:  unixOrZero(fu.CreatedAt),
		updated:  unixOrZero(fu.UpdatedAt),
		manager:  int64(fu.ReportingManagerID),
		location: int64(fu.LocationID),
		flags:    flags,
		blob:     encodeBlob(&f),
	}
	setFlag(&r.flags, flagActive, fu.Active)
	setFlag(&r.flags, flagAgent, fu.IsAgent)
	setFlag(&r.flags, flagOccasional, fu.Occasional)
	setFlag(&r.flags, flagViewActive, v.Active)
	setFlag(&r.flags, flagViewAgentSet, v.IsAgent != nil)
	setFlag(&r.flags, flagViewAgent, v.IsAgent != nil && *v.IsAgent)
	setFlag(&r.flags, flagDeleted, u.Deleted)
	setFlag(&r.flags, flagViewEnterpriseLocation, v.EnterpriseLocation)
	return r
}

func setFlag(flags *uint16, f uint16, on bool) {
	if on {
		*flags |= f
	} else {
		*flags &^= f
	}
}

func (r *userRec) has(f uint16) bool { return r.flags&f != 0 }

// unixOrZero is t in Unix seconds, 0 for the zero time (or one before 1970).
func unixOrZero(t time.Time) uint32 {
	if t.IsZero() || t.Unix() <= 0 {
		return 0
	}
	return uint32(min(t.Unix(), 1<<32-1))
}

func timeOf(s uint32) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// encodeCustom keeps custom fields as JSON, without the empty ones Freshservice lists as null.
func encodeCustom(m map[string]any) string {
	kept := make(map[string]any, len(m))
	for k, v := range m {
		if v != nil {
			kept[k] = v
		}
	}
	return encodeMap(kept)
}

// encodeMap is m as JSON (its keys sorted, so that one state has one encoding); "" for an empty map.
// The values fsscim keeps itself (Kept) are stored so.
func encodeMap[V any](m map[string]V) string {
	if len(m) == 0 {
		return ""
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(raw)
}

// decodeMap reads what encodeMap wrote, numbers as json.Number so that custom fields keep theirs
// exactly; nil for "" or a value that does not decode.
func decodeMap[V any](s string) map[string]V {
	if s == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]V
	if err := dec.Decode(&m); err != nil {
		return nil
	}
	return m
}

// roleIDs are the ids of an agent's roles: which roles it holds is what the replica keeps of them.
func roleIDs(roles []freshservice.Role) []int64 {
	var ids []int64
	for _, r := range roles {
		ids = append(ids, r.RoleID)
	}
	return ids
}

func encodeIDs(ids []int64) string {
	if len(ids) == 0 {
		return ""
	}
	buf := make([]byte, 0, len(ids)*binary.MaxVarintLen64)
	for _, id := range ids {
		buf = binary.AppendVarint(buf, id)
	}
	return string(buf)
}

func decodeIDs(s string) []int64 {
	var out []int64
	for len(s) > 0 {
		id, n := binary.Varint([]byte(s))
		if n <= 0 {
			break
		}
		out = append(out, id)
		s = s[n:]
	}
	return out
}

// Static answers for IsAgent, so a filled view allocates nothing for it.
var (
	isAgentTrue  = true
	isAgentFalse = false
)

// needs says which parts of the SCIM view fillView must produce: a bit per filter slot
// (mapping.UserSlot*), and allNeeds for everything. A filter reads one or two attributes; filling only
// those keeps a search over every user cheap.
type needs uint64

const allNeeds needs = 1<<64 - 1

func (n needs) has(slot int) bool { return n&(1<<min(slot, 63)) != 0 }

// needsOf is what a search for filter slots uses.
func needsOf(uses func(slot int) bool, custom bool) needs {
	var n needs
	for slot := range 63 {
		if uses(slot) {
			n |= 1 << slot
		}
	}
	if custom {
		n |= 1 << 63
	}
	return n
}

// viewFields are the view's string fields that come straight from the record, by the filter slot
// that reads them.
var viewFields = []struct {
	slot  int
	field int
	dst   func(u *mapping.User) *string
}{
	{mapping.UserSlotUserName, vUserName, func(u *mapping.User) *string { return &u.UserName }},
	{mapping.UserSlotExternalID, vExternalID, func(u *mapping.User) *string { return &u.ExternalID }},
	{mapping.UserSlotName, vGiven, func(u *mapping.User) *string { return &u.GivenName }},
	{mapping.UserSlotName, vFamily, func(u *mapping.User) *string { return &u.FamilyName }},
	{mapping.UserSlotName, vFormatted, func(u *mapping.User) *string { return &u.FormattedName }},
	{mapping.UserSlotDisplayName, vDisplay, func(u *mapping.User) *string { return &u.DisplayName }},
	{mapping.UserSlotTitle, vTitle, func(u *mapping.User) *string { return &u.Title }},
	{mapping.UserSlotEmails, vWorkEmail, func(u *mapping.User) *string { return &u.WorkEmail }},
	{mapping.UserSlotPhoneNumbers, vWorkPhone, func(u *mapping.User) *string { return &u.WorkPhone }},
	{mapping.UserSlotPhoneNumbers, vMobilePhone, func(u *mapping.User) *string { return &u.MobilePhone }},
	{mapping.UserSlotAddresses, vWorkAddress, func(u *mapping.User) *string { return &u.WorkAddress }},
	{mapping.UserSlotLocale, vLocale, func(u *mapping.User) *string { return &u.Locale }},
	{mapping.UserSlotPreferredLanguage, vPreferredLanguage, func(u *mapping.User) *string { return &u.PreferredLanguage }},
	{mapping.UserSlotDepartment, vDepartment, func(u *mapping.User) *string { return &u.Department }},
	{mapping.UserSlotEnterpriseLocation, vLocation, func(u *mapping.User) *string { return &u.Location }},
	{mapping.UserSlotLocation, vLocation, func(u *mapping.User) *string { return &u.Location }},
}

// fieldCopy is one field a filled view takes from the record.
type fieldCopy struct {
	field int
	dst   *string
}

// viewPlan is how to fill u with the parts of the view n asks for: worked out once for a search,
// then applied to every record.
type viewPlan struct {
	u                                 *mapping.User
	copies                            []fieldCopy
	tz, manager, id, cus, agent, kept bool
}

func planView(u *mapping.User, n needs) viewPlan {
	p := viewPlan{u: u, tz: n.has(mapping.UserSlotTimezone), manager: n.has(mapping.UserSlotManager),
		id: n.has(mapping.UserSlotID), cus: n.has(63), agent: n.has(mapping.UserSlotIsAgent)}
	for slot := range 63 {
		if n.has(slot) && mapping.KeptSlot(slot) {
			p.kept = true
		}
	}
	for _, vf := range viewFields {
		if n.has(vf.slot) {
			p.copies = append(p.copies, fieldCopy{field: vf.field, dst: vf.dst(u)})
		}
	}
	return p
}

// fill puts the planned parts of r's SCIM view into the plan's user, its strings pointing into the
// record.
func (p *viewPlan) fill(r *userRec) {
	u := p.u
	u.Active = r.has(flagViewActive)
	u.EnterpriseLocation = r.has(flagViewEnterpriseLocation)
	u.IsAgent = nil
	if r.has(flagViewAgentSet) {
		u.IsAgent = &isAgentFalse
		if r.has(flagViewAgent) {
			u.IsAgent = &isAgentTrue
		}
	}
	for _, c := range p.copies {
		*c.dst = r.field(c.field)
	}
	if p.tz {
		u.TimeZone = r.field(vTimeZone)
		if r.has(flagTimeZoneDerived) {
			u.TimeZone, _ = mapping.TimeZoneFromFreshservice(r.field(fTimeZone))
		}
	}
	if p.manager {
		u.ManagerID = r.field(vManager)
		if r.has(flagManagerDerived) {
			u.ManagerID = strconv.FormatInt(r.manager, 10)
		}
	}
	if p.id {
		u.ID = strconv.FormatInt(r.id, 10)
	}
	if p.cus {
		u.Custom = decodeMap[any](r.field(vCustom))
	}
	if p.agent {
		u.AgentText = r.field(vAgentText)
	}
	if p.kept {
		u.Kept = decodeMap[string](r.field(vKept))
	}
}

// fillView puts the parts n asks for of the SCIM view into u (the rest left empty).
func (r *userRec) fillView(u *mapping.User, n needs) {
	*u = mapping.User{}
	p := planView(u, n)
	p.fill(r)
}

// decode gives the whole user back, in its own memory.
func (r *userRec) decode() User {
	var u User
	r.fillView(&u.View, allNeeds)
	u.View = cloneView(u.View)
	u.Deleted = r.has(flagDeleted)
	fu := &u.FS
	fu.ID = r.id
	fu.PrimaryEmail = strings.Clone(r.field(fMail))
	if s := r.field(fSecondary); s != "" {
		fu.SecondaryEmails = strings.Split(strings.Clone(s), "\n")
	}
	fu.FirstName, fu.LastName = strings.Clone(r.field(fFirst)), strings.Clone(r.field(fLast))
	fu.JobTitle = strings.Clone(r.field(fJobTitle))
	fu.WorkPhoneNumber = freshservice.FlexString(strings.Clone(r.field(fWorkPhone)))
	fu.MobilePhoneNumber = freshservice.FlexString(strings.Clone(r.field(fMobilePhone)))
	fu.Address = strings.Clone(r.field(fAddress))
	fu.TimeZone, fu.Language = strings.Clone(r.field(fTimeZone)), strings.Clone(r.field(fLanguage))
	fu.ExternalID = freshservice.FlexString(strings.Clone(r.field(fExternalID)))
	fu.CustomFields = decodeMap[any](r.field(fCustom))
	fu.DepartmentIDs = decodeIDs(r.field(fDepartments))
	for _, id := range decodeIDs(r.field(fRoles)) {
		fu.Roles = append(fu.Roles, freshservice.Role{RoleID: id})
	}
	fu.ReportingManagerID = freshservice.ID(r.manager)
	fu.LocationID = freshservice.ID(r.location)
	fu.Active, fu.IsAgent, fu.Occasional = r.has(flagActive), r.has(flagAgent), r.has(flagOccasional)
	fu.CreatedAt, fu.UpdatedAt = timeOf(r.created), timeOf(r.updated)
	return u
}

// cloneView copies the view's strings out of the record, so the user outlives a later change of it.
func cloneView(v mapping.User) mapping.User {
	for _, p := range []*string{&v.UserName, &v.ExternalID, &v.GivenName, &v.FamilyName, &v.FormattedName,
		&v.DisplayName, &v.Title, &v.WorkEmail, &v.WorkPhone, &v.MobilePhone, &v.WorkAddress, &v.TimeZone,
		&v.Locale, &v.PreferredLanguage, &v.Department, &v.ManagerID, &v.Location, &v.AgentText} {
		*p = strings.Clone(*p)
	}
	if v.IsAgent != nil {
		agent := *v.IsAgent
		v.IsAgent = &agent
	}
	return v
}

// The persisted form of a user record: a version byte, the numbers as varints, the flags, then the
// blob as it is in memory. Version 2 added an agent's role ids, the view's isAgent text and its kept
// values to the blob: a
// record of another version is not read (the replica is walked again).
const recordVersion = 2

func (r *userRec) marshal() []byte {
	buf := make([]byte, 0, 1+5*binary.MaxVarintLen64+2+len(r.blob))
	buf = append(buf, recordVersion)
	for _, n := range []int64{r.id, int64(r.created), int64(r.updated), r.manager, r.location} {
		buf = binary.AppendVarint(buf, n)
	}
	buf = binary.LittleEndian.AppendUint16(buf, r.flags)
	return append(buf, r.blob...)
}

func unmarshalUser(data []byte) (userRec, bool) {
	if len(data) < 1 || data[0] != recordVersion {
		return userRec{}, false
	}
	data = data[1:]
	var nums [5]int64
	for i := range nums {
		n, k := binary.Varint(data)
		if k <= 0 {
			return userRec{}, false
		}
		nums[i], data = n, data[k:]
	}
	if len(data) < 2+tableSize {
		return userRec{}, false
	}
	if nums[1] < 0 || nums[1] >= 1<<32 || nums[2] < 0 || nums[2] >= 1<<32 {
		return userRec{}, false
	}
	r := userRec{id: nums[0], created: uint32(nums[1]), updated: uint32(nums[2]), manager: nums[3], location: nums[4]}
	r.flags = binary.LittleEndian.Uint16(data)
	r.blob = string(data[2:])
	if !r.valid() {
		return userRec{}, false
	}
	return r, true
}

// valid checks a blob read from a store: every field inside the text, every reference backwards.
func (r *userRec) valid() bool {
	if r.id <= 0 || len(r.blob) < tableSize {
		return false
	}
	textLen := len(r.blob) - tableSize
	last := 0
	for i := range numFields {
		e := int(uint16(r.blob[2*i]) | uint16(r.blob[2*i+1])<<8)
		if e&refBit != 0 {
			j := e &^ refBit
			if j >= i || int(uint16(r.blob[2*j])|uint16(r.blob[2*j+1])<<8)&refBit != 0 {
				return false
			}
			continue
		}
		if e < last || e > textLen {
			return false
		}
		last = e
	}
	return true
}
