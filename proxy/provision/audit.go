package provision

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store/audit"
)

// auditTimeout bounds one append to the trail: it runs after Freshservice answered, on the way to the
// client's answer.
const auditTimeout = 2 * time.Second

// NoteRequest names the SCIM request the session serves (e.g. PATCH /scim/v2/Users/42), for the
// audit trail.
func (s *Session) NoteRequest(method, path string) { s.method, s.path = method, path }

// audited makes one write to Freshservice and records it in the audit trail: e says what was written
// to whom, the write's outcome adds Freshservice's status (and error). It returns the write's error.
func (s *Session) audited(ctx context.Context, e audit.Entry, write func(ctx context.Context) error) error {
	return s.auditedAll(ctx, []audit.Entry{e}, write)
}

// auditedResult is auditedAll for a write that answers with what it wrote.
func auditedResult[T any](ctx context.Context, s *Session, entries []audit.Entry, write func(ctx context.Context) (T, error)) (T, error) {
	var out T
	err := s.auditedAll(ctx, entries, func(ctx context.Context) (err error) {
		out, err = write(ctx)
		return err
	})
	return out, err
}

// auditedAll is audited for a write that makes several changes at once (an agent group's new name
// and members): each entry gets the write's outcome.
func (s *Session) auditedAll(ctx context.Context, entries []audit.Entry, write func(ctx context.Context) error) error {
	if s.t.deps.Audit == nil || len(entries) == 0 {
		return write(ctx)
	}
	var status freshservice.StatusRecorder
	err := write(freshservice.WithStatusRecorder(ctx, &status))
	code, text := status.Status(), ""
	if err != nil {
		var fe *freshservice.Error
		switch {
		case errors.As(err, &fe) && fe.Local:
			// Refused by the tenant's own rate budget: nothing reached Freshservice, so there is no
			// write to record (the access log has the 429).
			return err
		case fe != nil:
			code, text = fe.Status, fe.Error()
		default:
			text = err.Error()
		}
	}
	for i := range entries {
		entries[i].Status, entries[i].Error = code, text
	}
	s.audit(ctx, entries...)
	return err
}

// audit appends entries, stamped with the time, the tenant and the request, to the audit trail. A
// failure is logged and counted, never returned: the writes they record have been made.
func (s *Session) audit(ctx context.Context, entries ...audit.Entry) {
	d := s.t.deps
	if d.Audit == nil || len(entries) == 0 {
		return
	}
	at := d.Now().UTC()
	for i := range entries {
		e := &entries[i]
		e.At, e.Tenant = at, s.t.domain
		e.Method, e.Path, e.RequestID = s.method, s.path, s.requestID
		e.DryRun = s.cfg.DryRun
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if err := audit.AppendAll(actx, d.Audit, entries); err != nil {
		s.log.Error("could not record a write in the audit trail", zap.String("write", string(entries[0].Operation)),
			zap.Int64("id", entries[0].ID), zap.Int("entries", len(entries)), zap.Error(err))
		if d.AuditFailed != nil {
			d.AuditFailed(s.t.domain)
		}
	}
}

// auditDryRun records the writes a dry-run tenant would have made (they carry no status).
func (s *Session) auditDryRun(ctx context.Context, entries ...audit.Entry) { s.audit(ctx, entries...) }

// createUserEntries are the writes of a user create: the create, and the conversion that makes an
// agent when the tenant configures no agent roles.
func (s *Session) createUserEntries(f freshservice.UserFields, agent bool) []audit.Entry {
	direct := agent && s.fullAgents()
	e := newUserEntry(f, direct)
	out := []audit.Entry{e}
	if agent && !direct {
		conv := e
		conv.Operation, conv.Changes = audit.Convert, []audit.Change{{Field: "type", Value: convertedTo(true)}}
		out = append(out, conv)
	}
	return out
}

// newUserEntry is the entry of a create of a user with fields f.
func newUserEntry(f freshservice.UserFields, agent bool) audit.Entry {
	e := audit.Entry{Operation: audit.Create, Kind: "user", Email: deref(f.Email), Changes: userChanges(f, agent)}
	if f.FirstName != nil || f.LastName != nil {
		e.Name = displayName(deref(f.FirstName), deref(f.LastName))
	}
	return e
}

// updateUserEntries are the writes a change of fu makes, in the order it makes them.
func updateUserEntries(fu freshservice.User, f freshservice.UserFields, active, agent bool) []audit.Entry {
	var out []audit.Entry
	if active && !fu.Active {
		out = append(out, userEntry(audit.Reactivate, fu))
	}
	if agent != fu.IsAgent {
		e := userEntry(audit.Convert, fu)
		e.Changes = []audit.Change{{Field: "type", Value: convertedTo(agent)}}
		out = append(out, e)
	}
	if !f.Empty() {
		e := userEntry(audit.Update, fu)
		e.Changes = userChanges(f, agent)
		out = append(out, e)
	}
	if !active && fu.Active {
		out = append(out, userEntry(audit.Deactivate, fu))
	}
	return out
}

// userEntry is an entry about user fu.
func userEntry(op audit.Operation, fu freshservice.User) audit.Entry {
	return audit.Entry{Operation: op, Kind: "user", ID: fu.ID, Email: fu.Mail(), Name: displayName(fu.FirstName, fu.LastName)}
}

func displayName(first, last string) string { return strings.TrimSpace(first + " " + last) }

// groupEntry is an entry about group g.
func groupEntry(op audit.Operation, g groupInfo) audit.Entry {
	return audit.Entry{Operation: op, Kind: "group", ID: g.id, Name: g.name}
}

// requesterOnly and agentOnly are the fields the other collection's endpoints do not take.
var (
	requesterOnly = []string{"secondary_emails"}
	agentOnly     = []string{"occasional", "roles", "member_of"}
)

// userChanges lists what a user write sends, in Freshservice's field names, sorted. Values are JSON
// as sent (text unquoted); each custom field is one change, named custom_fields.<name>.
func userChanges(f freshservice.UserFields, agent bool) []audit.Change {
	data, err := json.Marshal(f)
	if err != nil {
		return nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return nil
	}
	skip := agentOnly
	if agent {
		skip = requesterOnly
	}
	var out []audit.Change
	for name, raw := range fields {
		switch {
		case slices.Contains(skip, name):
		case name == "custom_fields":
			var custom map[string]json.RawMessage
			if json.Unmarshal(raw, &custom) == nil {
				for k, v := range custom {
					out = append(out, audit.Change{Field: "custom_fields." + k, Value: changeValue(v)})
				}
			}
		default:
			out = append(out, audit.Change{Field: name, Value: changeValue(raw)})
		}
	}
	if f.Email != nil {
		name := "primary_email"
		if agent {
			name = "email"
		}
		out = append(out, audit.Change{Field: name, Value: *f.Email})
	}
	slices.SortFunc(out, func(a, b audit.Change) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// changeValue is a field's value as the entry shows it: text without its quotes, anything else as
// its JSON.
func changeValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// groupChanges lists what a group write sends of name and description (members are entries of their
// own).
func groupChanges(name, description *string) []audit.Change {
	var out []audit.Change
	if description != nil {
		out = append(out, audit.Change{Field: "description", Value: *description})
	}
	if name != nil {
		out = append(out, audit.Change{Field: "name", Value: *name})
	}
	return out
}

// auditedPeople records every write to a user collection; who is the user the writes are about, as
// fsscim knew it before the write (zero for a create).
type auditedPeople struct {
	calls people
	s     *Session
	who   freshservice.User
	agent bool // the collection is the agents
}

// get reads the user; reads are not recorded.
func (p auditedPeople) get(ctx context.Context, id int64) (freshservice.User, error) {
	return p.calls.get(ctx, id)
}

func (p auditedPeople) entry(op audit.Operation, id int64) audit.Entry {
	e := userEntry(op, p.who)
	e.ID = id
	return e
}

func (p auditedPeople) create(ctx context.Context, f freshservice.UserFields) (freshservice.User, error) {
	var out freshservice.User
	entries := []audit.Entry{newUserEntry(f, p.agent)} // the write fills in the new user's id
	err := p.s.auditedAll(ctx, entries, func(ctx context.Context) (err error) {
		out, err = p.calls.create(ctx, f)
		entries[0].ID = out.ID
		return err
	})
	return out, err
}

func (p auditedPeople) update(ctx context.Context, id int64, f freshservice.UserFields) (freshservice.User, error) {
	e := p.entry(audit.Update, id)
	e.Changes = userChanges(f, p.agent)
	return auditedResult(ctx, p.s, []audit.Entry{e}, func(ctx context.Context) (freshservice.User, error) {
		return p.calls.update(ctx, id, f)
	})
}

func (p auditedPeople) deactivate(ctx context.Context, id int64) error {
	return p.s.audited(ctx, p.entry(audit.Deactivate, id), func(ctx context.Context) error {
		return p.calls.deactivate(ctx, id)
	})
}

func (p auditedPeople) reactivate(ctx context.Context, id int64) (freshservice.User, error) {
	return auditedResult(ctx, p.s, []audit.Entry{p.entry(audit.Reactivate, id)}, func(ctx context.Context) (freshservice.User, error) {
		return p.calls.reactivate(ctx, id)
	})
}

func (p auditedPeople) forget(ctx context.Context, id int64) error {
	return p.s.audited(ctx, p.entry(audit.Delete, id), func(ctx context.Context) error {
		return p.calls.forget(ctx, id)
	})
}

func (p auditedPeople) convert(ctx context.Context, id int64) (freshservice.User, error) {
	e := p.entry(audit.Convert, id)
	e.Changes = []audit.Change{{Field: "type", Value: convertedTo(!p.agent)}}
	return auditedResult(ctx, p.s, []audit.Entry{e}, func(ctx context.Context) (freshservice.User, error) {
		return p.calls.convert(ctx, id)
	})
}

// convertedTo names the collection a conversion moves a user to.
func convertedTo(agent bool) string {
	if agent {
		return "agent"
	}
	return "requester"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// auditedGroups records the creates and deletes of a group collection. Updates are recorded by the
// caller (updateEntries), which knows which members an agent group's new member list adds and removes.
type auditedGroups struct {
	groupTarget
	s *Session
}

func (g auditedGroups) create(ctx context.Context, name, description string, members []int64) (groupInfo, error) {
	entries := g.s.createEntries(name, description, members)
	var out groupInfo
	err := g.s.auditedAll(ctx, entries, func(ctx context.Context) (err error) {
		out, err = g.groupTarget.create(ctx, name, description, members)
		for i := range entries { // the write gives the new group's id
			entries[i].ID = out.id
		}
		return err
	})
	return out, err
}

// createEntries are the entries of a group create: the group, and each member it is made with.
func (s *Session) createEntries(name, description string, members []int64) []audit.Entry {
	entries := []audit.Entry{{Operation: audit.GroupCreate, Kind: "group", Name: name, Changes: groupChanges(&name, &description)}}
	for _, id := range members {
		entries = append(entries, s.memberEntry(0, name, id, true))
	}
	return entries
}

func (g auditedGroups) remove(ctx context.Context, id int64) error {
	e := audit.Entry{Operation: audit.GroupDelete, Kind: "group", ID: id, Name: g.s.groupName(id)}
	return g.s.audited(ctx, e, func(ctx context.Context) error { return g.groupTarget.remove(ctx, id) })
}

// memberEntry is an entry about adding (or removing) user uid to group gid, named name ("": as the
// directory replica names it).
func (s *Session) memberEntry(gid int64, name string, uid int64, add bool) audit.Entry {
	op := audit.MembersRemove
	if add {
		op = audit.MembersAdd
	}
	if name == "" {
		name = s.groupName(gid)
	}
	return audit.Entry{Operation: op, Kind: "group", ID: gid, Name: name, MemberID: uid, Email: s.userEmail(uid)}
}

// updateEntries are the entries of one write to group g: its new name or description, and the
// members plan adds and removes (an agent group's whole member list is one write).
func (s *Session) updateEntries(g groupInfo, f freshservice.GroupFields, plan memberPlan) []audit.Entry {
	var out []audit.Entry
	if f.Name != nil || f.Description != nil {
		e := groupEntry(audit.GroupUpdate, g)
		e.Changes = groupChanges(f.Name, f.Description)
		if f.Name != nil {
			e.Name = *f.Name
		}
		out = append(out, e)
	}
	name := g.name
	if f.Name != nil {
		name = *f.Name
	}
	for _, id := range plan.add {
		out = append(out, s.memberEntry(g.id, name, id, true))
	}
	for _, id := range plan.remove {
		out = append(out, s.memberEntry(g.id, name, id, false))
	}
	return out
}

// groupName and userEmail name a group or user for an entry from the directory replica, without a
// Freshservice call; "" when the replica does not hold it.
func (s *Session) groupName(id int64) string {
	if rep := s.t.loadedReplica(); rep != nil {
		if g, found, _ := rep.Group(id); found {
			return g.Name
		}
	}
	return ""
}

func (s *Session) userEmail(id int64) string {
	if rep := s.t.loadedReplica(); rep != nil {
		if u, found, _ := rep.User(id); found {
			return u.FS.Mail()
		}
	}
	return ""
}
