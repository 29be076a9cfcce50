package provision

import (
	"context"

	"github.com/fsscim/fsscim/freshservice"
)

// people is the Freshservice collection a user lives in: requesters, or agents. A SCIM user is either,
// and becomes the other when isAgent changes; everything fsscim does to a user goes through the
// collection it is in. The two differ in their endpoints only.
type people struct {
	get        func(ctx context.Context, id int64) (freshservice.User, error)
	create     func(ctx context.Context, f freshservice.UserFields) (freshservice.User, error)
	update     func(ctx context.Context, id int64, f freshservice.UserFields) (freshservice.User, error)
	deactivate func(ctx context.Context, id int64) error
	reactivate func(ctx context.Context, id int64) (freshservice.User, error)
	// forget deletes the user for good (with its tickets).
	forget func(ctx context.Context, id int64) error
	// convert moves the user to the other collection.
	convert func(ctx context.Context, id int64) (freshservice.User, error)
}

func requesters(c *freshservice.Client) people {
	return people{get: c.GetRequester, create: c.CreateRequester, update: c.UpdateRequester,
		deactivate: c.DeactivateRequester, reactivate: c.ReactivateRequester, forget: c.ForgetRequester,
		convert: c.ConvertToAgent}
}

func agents(c *freshservice.Client) people {
	return people{get: c.GetAgent, create: c.CreateAgent, update: c.UpdateAgent,
		deactivate: c.DeactivateAgent, reactivate: c.ReactivateAgent, forget: c.ForgetAgent,
		convert: c.ConvertToRequester}
}

// people returns the collection agent users (true) or requesters (false) live in, its writes
// recorded in the audit trail.
func (s *Session) people(agent bool) auditedPeople { return s.peopleAbout(agent, freshservice.User{}) }

// peopleOf is the collection fu lives in, its writes recorded as writes to fu.
func (s *Session) peopleOf(fu freshservice.User) auditedPeople { return s.peopleAbout(fu.IsAgent, fu) }

func (s *Session) peopleAbout(agent bool, who freshservice.User) auditedPeople {
	p := requesters(s.c)
	if agent {
		p = agents(s.c)
	}
	return auditedPeople{calls: p, s: s, who: who, agent: agent}
}
