package provision

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
)

// memberLookupsBeforeIndex is how many members the replica may fail to answer before fsscim waits
// for the replica to be built instead of reading each of them (a build reads 100 users per call).
const memberLookupsBeforeIndex = 10

// memberUser is what fsscim knows of a user named as a group member.
type memberUser struct {
	id            int64
	agent, active bool
}

// memberRefusal is why one named member cannot join the group.
type memberRefusal struct {
	pos    int // where the request named it, to report refusals in the request's order
	value  string
	reason string
}

// resolveMembers checks, before anything is written, that every SCIM id names an existing
// Freshservice user of the kind the group holds. An id the replica knows costs no call; one it does
// not know is read, since a user created in Freshservice after the last refresh is still a user.
func (gc groupOp) resolveMembers(ctx context.Context, values []string) (map[string]memberUser, []memberRefusal, error) {
	found := map[string]memberUser{}
	var refusals []memberRefusal
	var unknown []int // positions in values
	seen := map[string]bool{}
	for pos, v := range values {
		if seen[v] {
			continue
		}
		seen[v] = true
		id, ok := parseID(v)
		if !ok {
			refusals = append(refusals, memberRefusal{pos, v, "is not a Freshservice user id"})
			continue
		}
		rec, _, err := gc.s.store().GetUser(ctx, gc.s.t.domain, id)
		if err != nil {
			return nil, nil, fmt.Errorf("read stored state of member %d: %w", id, err)
		}
		if rec.Deleted {
			refusals = append(refusals, memberRefusal{pos, v, "was deleted through SCIM (fsscim answers 404 for it)"})
			continue
		}
		if rep := gc.s.t.loadedReplica(); rep != nil {
			if m, ok := rep.Member(id); ok {
				found[v] = memberUser{id: id, agent: m.Agent, active: m.Active}
				continue
			}
		}
		unknown = append(unknown, pos)
	}
	if len(unknown) > memberLookupsBeforeIndex {
		if rep := gc.s.readyReplica(ctx); rep != nil {
			rest := unknown[:0]
			for _, pos := range unknown {
				id, _ := parseID(values[pos])
				if m, ok := rep.Member(id); ok {
					found[values[pos]] = memberUser{id: id, agent: m.Agent, active: m.Active}
					continue
				}
				rest = append(rest, pos)
			}
			unknown = rest
		}
	}
	for _, pos := range unknown {
		v := values[pos]
		id, _ := parseID(v)
		u, ok, err := gc.readUser(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			refusals = append(refusals, memberRefusal{pos, v, "does not exist in Freshservice"})
			continue
		}
		found[v] = memberUser{id: id, agent: u.IsAgent, active: u.Active}
	}
	for pos, v := range values {
		u, ok := found[v]
		if !ok || u.agent == gc.target.agents() {
			continue
		}
		delete(found, v)
		if u.agent {
			refusals = append(refusals, memberRefusal{pos, v, "is an agent, and requester groups hold requesters only"})
		} else {
			refusals = append(refusals, memberRefusal{pos, v, "is a requester, and agent groups hold agents only"})
		}
	}
	sort.Slice(refusals, func(i, j int) bool { return refusals[i].pos < refusals[j].pos })
	return found, refusals, nil
}

// readUser reads a user by id, trying the kind the group holds first, and records it in the replica.
func (gc groupOp) readUser(ctx context.Context, id int64) (freshservice.User, bool, error) {
	get := []func(context.Context, int64) (freshservice.User, error){gc.s.c.GetRequester, gc.s.c.GetAgent}
	if gc.target.agents() {
		get[0], get[1] = get[1], get[0]
	}
	for _, f := range get {
		u, err := f(ctx, id)
		if err == nil {
			gc.noteMember(ctx, u)
			return u, true, nil
		}
		if !freshservice.IsNotFound(err) {
			return freshservice.User{}, false, fmt.Errorf("read member %d: %w", id, err)
		}
	}
	return freshservice.User{}, false, nil
}

// refusalError is the 400 that names every member the request cannot have.
func refusalError(what string, refusals []memberRefusal) error {
	parts := make([]string, 0, len(refusals))
	for _, r := range refusals {
		parts = append(parts, fmt.Sprintf("member %s %s", quoteID(r.value), r.reason))
	}
	return problem(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue,
		"%s: %s. Nothing in this request was applied.", what, strings.Join(parts, "; "))
}

// sentence capitalises the first letter of s, to open a sentence with it.
func sentence(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// noteMember records a member read from Freshservice in the replica, so the next change of a group
// finds it there.
func (gc groupOp) noteMember(ctx context.Context, u freshservice.User) {
	rec, err := gc.s.record(ctx, u.ID)
	if err == nil {
		_, err = gc.s.noteUser(ctx, u, rec, nil)
	}
	if err != nil {
		gc.s.log.Warn("could not record a member in the directory replica", zap.Int64("user_id", u.ID), zap.Error(err))
	}
}
