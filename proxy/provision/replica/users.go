package replica

import (
	"hash/maphash"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fsscim/fsscim/mapping"
)

// chunkSize is how many user records one block of storage holds: records live in blocks of fixed
// capacity, so a large directory that grows does not leave half of a doubled slice unused. The first
// block grows as needed, so a small tenant holds little.
const chunkSize = 1024

// users is the replica's user records and their indexes. Emails are indexed by a hash of their
// lower-cased form (a map of 8-byte keys costs far less than one of strings); a lookup confirms the
// record's own email, or the filter does.
type users struct {
	chunks  [][]userRec
	n       uint32 // slots handed out
	free    []uint32
	byID    map[int64]uint32
	byMail  map[uint64]uint32 // Freshservice's email
	byAlias map[uint64]uint32 // the SCIM userName, where it is not the email
	byWork  map[uint64]uint32 // the SCIM work email, where it is not the email
	seed    maphash.Seed
	// cols are hash columns of single view fields (the key of each record's value, by slot), built
	// the first time a lookup compares the field for equality and kept current from then on: the
	// attribute an admin chose for matching is then looked up without reading every record.
	cols map[int][]uint64
	// agents and uncertain keep what Counts and Uncertain answer as records come and go, so that
	// neither reads every record (both are asked on every request of a busy tenant).
	agents    int
	uncertain map[int64]struct{} // nil until a write leaves a user uncertain
}

func newUsers(seed maphash.Seed) *users {
	return &users{byID: map[int64]uint32{}, byMail: map[uint64]uint32{}, byAlias: map[uint64]uint32{},
		byWork: map[uint64]uint32{}, seed: seed, cols: map[int][]uint64{}}
}

func (u *users) at(slot uint32) *userRec { return &u.chunks[slot/chunkSize][slot%chunkSize] }

func (u *users) len() int { return len(u.byID) }

// get returns the record of id.
func (u *users) get(id int64) (*userRec, bool) {
	slot, ok := u.byID[id]
	if !ok {
		return nil, false
	}
	return u.at(slot), true
}

// each calls fn with every record.
func (u *users) each(fn func(slot uint32, rec *userRec)) {
	for slot := range u.n {
		if rec := u.at(slot); rec.id != 0 {
			fn(slot, rec)
		}
	}
}

// emailKey is the index key of an email: a hash of it trimmed and lower-cased, without copying it
// when it is ASCII (as emails almost always are).
func (u *users) emailKey(s string) uint64 { return u.key(strings.TrimSpace(s)) }

// key is the index key of a value compared ignoring case: a hash of it lower-cased.
func (u *users) key(s string) uint64 {
	var buf [256]byte
	if len(s) <= len(buf) {
		ascii := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			return maphash.Bytes(u.seed, buf[:len(s)])
		}
	}
	return maphash.String(u.seed, strings.ToLower(s))
}

// put stores rec, replacing the record of its id, and indexes it.
func (u *users) put(rec userRec) {
	u.remove(rec.id)
	var slot uint32
	if n := len(u.free); n > 0 {
		slot = u.free[n-1]
		u.free = u.free[:n-1]
	} else {
		slot = u.n
		u.n++
		c := int(slot / chunkSize)
		if c == len(u.chunks) {
			capacity := chunkSize
			if c == 0 {
				capacity = 8
			}
			u.chunks = append(u.chunks, make([]userRec, 0, capacity))
		}
		u.chunks[c] = append(u.chunks[c], userRec{})
	}
	p := u.at(slot)
	*p = rec
	u.byID[rec.id] = slot
	if p.has(flagAgent) {
		u.agents++
	}
	if p.has(flagUncertain) {
		u.markUncertain(p)
	}
	for field, col := range u.cols {
		for int(slot) >= len(col) {
			col = append(col, 0)
		}
		u.cols[field] = col
		col[slot] = u.fieldKey(p, field)
	}
	mail := p.field(fMail)
	if mail != "" {
		u.byMail[u.emailKey(mail)] = slot
	}
	if name := p.field(vUserName); name != "" && !strings.EqualFold(name, mail) {
		u.byAlias[u.emailKey(name)] = slot
	}
	if work := p.field(vWorkEmail); work != "" && !strings.EqualFold(work, mail) {
		u.byWork[u.emailKey(work)] = slot
	}
}

// remove drops the record of id and its index entries.
func (u *users) remove(id int64) {
	slot, ok := u.byID[id]
	if !ok {
		return
	}
	p := u.at(slot)
	for _, e := range []struct {
		m map[uint64]uint32
		s string
	}{{u.byMail, p.field(fMail)}, {u.byAlias, p.field(vUserName)}, {u.byWork, p.field(vWorkEmail)}} {
		if e.s == "" {
			continue
		}
		if k := u.emailKey(e.s); e.m[k] == slot {
			delete(e.m, k)
		}
	}
	delete(u.byID, id)
	if p.has(flagAgent) {
		u.agents--
	}
	delete(u.uncertain, id)
	for _, col := range u.cols {
		col[slot] = 0
	}
	*p = userRec{}
	u.free = append(u.free, slot)
}

// markUncertain flags rec as uncertain (see Replica.MarkUncertain).
func (u *users) markUncertain(rec *userRec) {
	rec.flags |= flagUncertain
	if u.uncertain == nil {
		u.uncertain = map[int64]struct{}{}
	}
	u.uncertain[rec.id] = struct{}{}
}

// lookup appends to slots the record m indexes under email.
func (u *users) lookup(m map[uint64]uint32, email string, slots []uint32) []uint32 {
	if slot, ok := m[u.emailKey(email)]; ok {
		slots = append(slots, slot)
	}
	return slots
}

// fieldKey is the key of a record's view field as the SCIM view answers it: derived fields (a time
// zone, a manager, a formatted name not stored) as worked out.
func (u *users) fieldKey(r *userRec, field int) uint64 {
	var buf [64]byte
	switch {
	case field == vTimeZone && r.has(flagTimeZoneDerived):
		tz, _ := mapping.TimeZoneFromFreshservice(r.field(fTimeZone))
		return u.key(tz)
	case field == vManager && r.has(flagManagerDerived):
		return u.key(string(strconv.AppendInt(buf[:0], r.manager, 10)))
	case field == vFormatted && r.field(vFormatted) == "":
		given, family := r.field(vGiven), r.field(vFamily)
		if given == "" || family == "" {
			return u.key(given + family)
		}
		return u.key(given + " " + family)
	}
	return u.key(r.field(field))
}

// column is the hash column of field, built on first use.
func (u *users) column(field int) []uint64 {
	if col, ok := u.cols[field]; ok {
		return col
	}
	col := make([]uint64, u.n)
	u.each(func(slot uint32, rec *userRec) { col[slot] = u.fieldKey(rec, field) })
	u.cols[field] = col
	return col
}

// columnFields are the view fields a comparison of a filter slot and sub-attribute reads, where a
// hash column can stand in for reading every record.
var columnFields = []struct {
	slot, sub int
	fields    []int
}{
	{mapping.UserSlotExternalID, -1, []int{vExternalID}},
	{mapping.UserSlotName, 0, []int{vFormatted}},
	{mapping.UserSlotName, 1, []int{vFamily}},
	{mapping.UserSlotName, 2, []int{vGiven}},
	{mapping.UserSlotDisplayName, -1, []int{vDisplay}},
	{mapping.UserSlotTitle, -1, []int{vTitle}},
	{mapping.UserSlotPhoneNumbers, 0, []int{vWorkPhone, vMobilePhone}},
	{mapping.UserSlotAddresses, 0, []int{vWorkAddress}},
	{mapping.UserSlotTimezone, -1, []int{vTimeZone}},
	{mapping.UserSlotLocale, -1, []int{vLocale}},
	{mapping.UserSlotPreferredLanguage, -1, []int{vPreferredLanguage}},
	{mapping.UserSlotDepartment, -1, []int{vDepartment}},
	{mapping.UserSlotManager, 0, []int{vManager}},
	{mapping.UserSlotEnterpriseLocation, -1, []int{vLocation}},
	{mapping.UserSlotLocation, -1, []int{vLocation}},
}

// scanColumns appends to slots the records whose fields hold one of vals (ignoring case), through
// the fields' hash columns.
func (u *users) scanColumns(fields []int, vals []string, slots []uint32) []uint32 {
	keys := make([]uint64, len(vals))
	for i, v := range vals {
		keys[i] = u.key(v)
	}
	for _, field := range fields {
		col := u.column(field)
		for slot, k := range col[:u.n] {
			for _, want := range keys {
				if k == want {
					slots = append(slots, uint32(slot))
					break
				}
			}
		}
	}
	return slots
}
