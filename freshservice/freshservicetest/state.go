package freshservicetest

import (
	"slices"
	"strings"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

// firstID is where object ids start: large like real Freshservice ids (> 2^32), so a client that
// squeezes ids into 32 bits fails against the emulator too.
const firstID int64 = 21000000001

// state is the account's data. Every access happens under Emulator.mu.
type state struct {
	nextID          int64
	users           map[int64]*userRecord
	departments     map[int64]*departmentRecord
	locations       map[int64]*locationRecord
	requesterGroups map[int64]*requesterGroupRecord
	agentGroups     map[int64]*agentGroupRecord
	keys            map[string]apiKey
	roles           map[int64]*roleRecord
	// emails indexes users' addresses; putUser and forgetUser keep it in step with users.
	emails emailIndex
}

func newState() *state {
	return &state{
		nextID:          firstID,
		users:           map[int64]*userRecord{},
		departments:     map[int64]*departmentRecord{},
		locations:       map[int64]*locationRecord{},
		requesterGroups: map[int64]*requesterGroupRecord{},
		agentGroups:     map[int64]*agentGroupRecord{},
		keys:            map[string]apiKey{},
		roles:           builtinRoles(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)),
		emails:          emailIndex{},
	}
}

func (s *state) newID() int64 {
	id := s.nextID
	s.nextID++
	return id
}

// sortedIDs returns a map's keys in increasing order, the order every list is served in.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// putUser stores u, a new user or a changed copy of a stored one, and indexes its addresses.
func (s *state) putUser(u *userRecord) {
	if old, ok := s.users[u.id]; ok {
		s.emails.remove(old)
	}
	s.users[u.id] = u
	s.emails.add(u)
}

// emailOwner returns the user holding email as primary or secondary address, active or not,
// comparing addresses ignoring case.
func (s *state) emailOwner(email string) (*userRecord, bool) {
	id, ok := s.emails[foldEmail(email)]
	if !ok {
		return nil, false
	}
	u, ok := s.users[id]
	return u, ok
}

// userByPrimaryEmail matches the primary email only, case-insensitively. Addresses are unique, so
// the one user holding email is the only candidate.
func (s *state) userByPrimaryEmail(email string) (*userRecord, bool) {
	u, ok := s.emailOwner(email)
	if !ok || !strings.EqualFold(u.email, email) {
		return nil, false
	}
	return u, true
}

// nameTaken reports whether another object (not except) already uses name, case-insensitively.
func nameTaken[V any](m map[int64]V, name func(V) string, candidate string, except int64) bool {
	for id, v := range m {
		if id != except && strings.EqualFold(name(v), candidate) {
			return true
		}
	}
	return false
}

// removeFromRequesterGroups drops a user from every requester group, as deactivation does.
func (s *state) removeFromRequesterGroups(userID int64) {
	for _, g := range s.requesterGroups {
		delete(g.members, userID)
	}
}

// removeFromAgentGroups drops a user from every agent group's members, observers and leaders.
func (s *state) removeFromAgentGroups(userID int64, now time.Time) {
	for _, g := range s.agentGroups {
		before := len(g.members) + len(g.observers) + len(g.leaders)
		g.members = without(g.members, userID)
		g.observers = without(g.observers, userID)
		g.leaders = without(g.leaders, userID)
		if len(g.members)+len(g.observers)+len(g.leaders) != before {
			g.updatedAt = now
		}
	}
}

// setAgentGroupsOf makes the agent a member (or observer) of exactly groupIDs.
func (s *state) setAgentGroupsOf(userID int64, groupIDs []int64, observer bool, now time.Time) {
	for _, gid := range sortedIDs(s.agentGroups) {
		g := s.agentGroups[gid]
		list := &g.members
		if observer {
			list = &g.observers
		}
		want := slices.Contains(groupIDs, gid)
		has := slices.Contains(*list, userID)
		switch {
		case want && !has:
			*list = append(*list, userID)
			slices.Sort(*list)
			g.updatedAt = now
		case !want && has:
			*list = without(*list, userID)
			g.updatedAt = now
		}
	}
}

// agentGroupsOf lists the agent groups where userID appears as member (or observer).
func (s *state) agentGroupsOf(userID int64, observer bool) []int64 {
	out := []int64{}
	for _, gid := range sortedIDs(s.agentGroups) {
		g := s.agentGroups[gid]
		list := g.members
		if observer {
			list = g.observers
		}
		if slices.Contains(list, userID) {
			out = append(out, gid)
		}
	}
	return out
}

// clearRef clears a reference to the object id, which is going away.
func clearRef[T ~int64](ref *T, id int64) {
	if int64(*ref) == id {
		*ref = 0
	}
}

// forgetUser deletes a user for good and clears every reference to it.
func (s *state) forgetUser(id int64, now time.Time) {
	if u, ok := s.users[id]; ok {
		s.emails.remove(u)
	}
	delete(s.users, id)
	s.removeFromRequesterGroups(id)
	s.removeFromAgentGroups(id, now)
	for _, u := range s.users {
		clearRef(&u.managerID, id)
	}
	for _, d := range s.departments {
		clearRef(&d.HeadUserID, id)
		clearRef(&d.PrimeUserID, id)
	}
	for _, l := range s.locations {
		clearRef(&l.PrimaryContactID, id)
	}
	for k, key := range s.keys {
		if key.ownerID == id {
			delete(s.keys, k)
		}
	}
}

func without(ids []int64, id int64) []int64 {
	return slices.DeleteFunc(slices.Clone(ids), func(v int64) bool { return v == id })
}

// departmentRecord is a stored department.
type departmentRecord struct {
	freshservice.Department
}

// locationRecord is a stored location with the fields the shared model does not carry.
type locationRecord struct {
	freshservice.Location
	email, phone, contactName string
}

// requesterGroupRecord is a stored requester group with its manual members.
type requesterGroupRecord struct {
	freshservice.RequesterGroup
	members   map[int64]bool
	createdAt time.Time
	updatedAt time.Time
}

// agentGroupRecord is a stored agent group.
type agentGroupRecord struct {
	id                           int64
	name, description            string
	members, observers, leaders  []int64
	restricted, approvalRequired bool
	autoTicketAssign             bool
	unassignedFor                string
	escalateTo, businessHoursID  int64
	createdAt, updatedAt         time.Time
}
