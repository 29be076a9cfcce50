package provision

import (
	"context"

	"github.com/fsscim/fsscim/freshservice"
)

// people is the Freshservice collection a user lives in: requesters, or agents. A SCIM user is either,
// and becomes the other when isAgent changes; everything fsscim does to a user goes through the
// collection it is in.
type people interface {
	get(ctx context.Context, id int64) (freshservice.User, error)
	create(ctx context.Context, f freshservice.UserFields) (freshservice.User, error)
	update(ctx context.Context, id int64, f freshservice.UserFields) (freshservice.User, error)
	deactivate(ctx context.Context, id int64) error
	reactivate(ctx context.Context, id int64) (freshservice.User, error)
	// forget deletes the user for good (with its tickets).
	forget(ctx context.Context, id int64) error
	// convert moves the user to the other collection.
	convert(ctx context.Context, id int64) (freshservice.User, error)
}

type requesters struct{ c *freshservice.Client }

var _ people = requesters{}

func (r requesters) get(ctx context.Context, id int64) (freshservice.User, error) {
	return r.c.GetRequester(ctx, id)
}
func (r requesters) create(ctx context.Context, f freshservice.UserFields) (freshservice.User, error) {
	return r.c.CreateRequester(ctx, f)
}
func (r requesters) update(ctx context.Context, id int64, f freshservice.UserFields) (freshservice.User, error) {
	return r.c.UpdateRequester(ctx, id, f)
}
func (r requesters) deactivate(ctx context.Context, id int64) error {
	return r.c.DeactivateRequester(ctx, id)
}
func (r requesters) reactivate(ctx context.Context, id int64) (freshservice.User, error) {
	return r.c.ReactivateRequester(ctx, id)
}
func (r requesters) forget(ctx context.Context, id int64) error { return r.c.ForgetRequester(ctx, id) }
func (r requesters) convert(ctx context.Context, id int64) (freshservice.User, error) {
	return r.c.ConvertToAgent(ctx, id)
}

type agents struct{ c *freshservice.Client }

var _ people = agents{}

func (a agents) get(ctx context.Context, id int64) (freshservice.User, error) {
	return a.c.GetAgent(ctx, id)
}
func (a agents) create(ctx context.Context, f freshservice.UserFields) (freshservice.User, error) {
	return a.c.CreateAgent(ctx, f)
}
func (a agents) update(ctx context.Context, id int64, f freshservice.UserFields) (freshservice.User, error) {
	return a.c.UpdateAgent(ctx, id, f)
}
func (a agents) deactivate(ctx context.Context, id int64) error { return a.c.DeactivateAgent(ctx, id) }
func (a agents) reactivate(ctx context.Context, id int64) (freshservice.User, error) {
	return a.c.ReactivateAgent(ctx, id)
}
func (a agents) forget(ctx context.Context, id int64) error { return a.c.ForgetAgent(ctx, id) }
func (a agents) convert(ctx context.Context, id int64) (freshservice.User, error) {
	return a.c.ConvertToRequester(ctx, id)
}

// people returns the collection agent users (true) or requesters (false) live in, its writes
// recorded in the audit trail.
func (s *Session) people(agent bool) people { return s.peopleAbout(agent, freshservice.User{}) }

// peopleOf is the collection fu lives in, its writes recorded as writes to fu.
func (s *Session) peopleOf(fu freshservice.User) people { return s.peopleAbout(fu.IsAgent, fu) }

func (s *Session) peopleAbout(agent bool, who freshservice.User) people {
	var p people = requesters{s.c}
	if agent {
		p = agents{s.c}
	}
	return auditedPeople{people: p, s: s, who: who, agent: agent}
}
