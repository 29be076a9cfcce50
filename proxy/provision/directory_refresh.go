package provision

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/proxy/provision/replica"
)

// How a tenant's replica is kept fresh. A change made in Freshservice directly shows within the
// tenant's bound (directory.max_staleness, or by default the time in which a full walk's list calls
// are a fortieth of the account's list limit, between 5 minutes and an hour); refreshes never spend
// more than a tenth of the list limit on average, so a bound the budget cannot keep is stretched.
// Freshservice's filter query finds the users updated since a day: when few changed, a refresh reads
// just those (the query's index lags writes by minutes, so it looks back a day); otherwise, once a
// day, or when the query overflows, the refresh walks every user.
const (
	defaultMaxStaleness = time.Hour
	smallMaxStaleness   = 5 * time.Minute
	// refreshShare: refreshes spend at most one list call in refreshShare of the list limit.
	refreshShare = 10
	// defaultRefreshShare: by default they spend a quarter of that, so that a long first sync on a
	// small plan is not slowed by walks of the directory it is filling.
	defaultRefreshShare = 40
	// fullWalkEvery is how often a refresh walks every user even when few changed: the filter
	// query does not see users deleted for good, nor changes its index missed.
	fullWalkEvery = 24 * time.Hour
	// incrementalLookback is how far before the last refresh an incremental one asks for changes:
	// the query compares days (in the account's time zone) and its index lags.
	incrementalLookback = 24 * time.Hour
	// maxIncremental is the most changed users an incremental refresh expects to read (30 of its
	// query's 40 pages); more, and a full walk is cheaper than a query that may overflow.
	maxIncremental = 900
	// schedulerTick is how often the scheduler saves replicas and starts due refreshes.
	schedulerTick = 5 * time.Second
	// activeFor is how long after its last read a tenant's replica is refreshed by the scheduler;
	// after that, the next read starts the refresh.
	activeFor = 24 * time.Hour
)

// listLimit is the tenant's list calls per minute: its rate_limit.list_per_minute, else the list
// limit of the plan whose overall limit Freshservice reports (Starter 40, Growth 70, Pro 120,
// Enterprise 140), else Starter's.
func (t *Tenant) listLimit() int {
	cfg := t.Config()
	if cfg.RateLimit.ListPerMinute > 0 {
		return cfg.RateLimit.ListPerMinute
	}
	overall := t.budget.Limit()
	if overall <= 0 {
		overall = cfg.RateLimit.PerMinute
	}
	switch {
	case overall <= 100:
		return 40
	case overall <= 200:
		return 70
	case overall <= 400:
		return 120
	}
	return 140
}

// fullWalkCalls is the list calls a full walk of the replica's users takes (100 a page, requesters
// then agents).
func fullWalkCalls(rep *replica.Replica) int {
	requesters, agents := rep.Counts()
	return (requesters+99)/100 + (agents+99)/100 + 1
}

// budgetGap is how long refreshes must pause after one that made calls list calls, to stay within a
// tenth of the list limit.
func (t *Tenant) budgetGap(calls int) time.Duration {
	return time.Duration(calls*refreshShare) * time.Minute / time.Duration(t.listLimit())
}

// MaxStaleness is the bound on how stale the tenant's replica gets: its directory.max_staleness, or
// one chosen from the account's size, and never one its budget cannot keep.
func (t *Tenant) MaxStaleness() time.Duration {
	rep := t.loadedReplica()
	if rep == nil {
		return t.maxStaleness(nil)
	}
	return t.maxStaleness(rep)
}

func (t *Tenant) maxStaleness(rep *replica.Replica) time.Duration {
	walk := 2
	if rep != nil {
		walk = fullWalkCalls(rep)
	}
	bound := t.Config().Directory.MaxStaleness
	if bound <= 0 {
		// Small accounts, whose walk takes few calls, are refreshed often; large ones within the hour,
		// with incremental refreshes when a full walk would take too much of the budget.
		walkGap := time.Duration(walk*defaultRefreshShare) * time.Minute / time.Duration(t.listLimit())
		bound = min(max(walkGap, smallMaxStaleness), defaultMaxStaleness)
	}
	// The cheapest refresh is an incremental one: a query page of requesters and one of agents.
	return max(bound, t.budgetGap(2))
}

// nextRefresh is when the replica's next refresh may start. It is worked out from the replica as it
// is now, not as it was after the last refresh: while a first sync fills the account, the walk the
// next refresh would make grows with it, and so does the bound.
func (t *Tenant) nextRefresh(rep *replica.Replica) time.Time {
	t.dir.mu.Lock()
	now, retry, cost := t.dir.refreshNow, t.dir.retryAt, t.dir.lastCost
	t.dir.mu.Unlock()
	last := rep.RefreshedAt()
	var due time.Time
	if !now && !last.IsZero() {
		gap := t.maxStaleness(rep)
		if budget := t.budgetGap(cost); budget > gap {
			gap = budget
			if set := t.Config().Directory.MaxStaleness; set > 0 {
				t.warnStaleness(set, budget)
			}
		}
		due = last.Add(gap)
	}
	if retry.After(due) {
		due = retry
	}
	return due
}

// warnStaleness says, once, that the tenant's max_staleness cannot be kept within its budget.
func (t *Tenant) warnStaleness(set, kept time.Duration) {
	t.dir.mu.Lock()
	warned := t.dir.warnedStaleness
	t.dir.warnedStaleness = true
	t.dir.mu.Unlock()
	if !warned {
		t.deps.Log.Warn("directory.max_staleness is shorter than refreshes within a tenth of the account's list limit allow; refreshing less often",
			zap.String("tenant", t.domain), zap.Duration("max_staleness", set), zap.Duration("refresh_every", kept))
	}
}

// incrementalSince says whether the next refresh can read only what changed, and since when.
func (t *Tenant) incrementalSince(rep *replica.Replica) (time.Time, bool) {
	now := t.deps.Now()
	if now.Sub(rep.BuiltAt()) >= fullWalkEvery {
		return time.Time{}, false
	}
	since := rep.RefreshedAt().Add(-incrementalLookback)
	day := since.UTC().Truncate(24 * time.Hour)
	expected := rep.CountUpdatedSince(day)
	queryCalls := expected/30 + 2
	// A query saves little on a small account, and a full walk also sees users deleted for good.
	if expected > maxIncremental || 2*queryCalls > fullWalkCalls(rep) {
		return time.Time{}, false
	}
	return day, true
}

// refresh brings the replica up to date: a full walk when build is set, when none was made yet or
// when one is due, else the users changed since the last refresh. It saves the result.
func (s *Session) refresh(ctx context.Context, rep *replica.Replica, build bool) error {
	t := s.t
	var tally freshservice.Tally
	ctx = freshservice.WithTally(ctx, &tally)
	started := t.deps.Now()
	kind := "full"
	if !build && rep.Complete() {
		if day, ok := t.incrementalSince(rep); ok {
			complete, changed, err := s.refreshChanged(ctx, rep, day, started)
			if err != nil {
				return err
			}
			if complete {
				kind = fmt.Sprintf("incremental (%d users changed)", changed)
			}
		}
	}
	if kind == "full" {
		err := rep.Build(ctx, buildSource{s})
		if errors.Is(err, replica.ErrTooMany) {
			t.dir.mu.Lock()
			t.dir.tooMany = true
			t.dir.mu.Unlock()
			s.log.Warn("the account has more users than fsscim's directory replica holds; reads ask Freshservice")
			return nil
		}
		if err != nil {
			return err
		}
	}
	t.dir.mu.Lock()
	t.dir.lastCost = tally.ListCalls()
	t.dir.refreshNow, t.dir.retryAt = false, time.Time{}
	t.dir.mu.Unlock()
	t.saveReplicaMeta(ctx, rep, true, true)
	due := t.nextRefresh(rep)
	s.log.Info("directory replica refreshed", zap.String("kind", kind), zap.Int("users", rep.Len()),
		zap.Int("groups", rep.GroupCount()), zap.Int("freshservice_calls", tally.Calls()),
		zap.Duration("took", t.deps.Now().Sub(started)), zap.Time("next", due))
	return nil
}

// refreshChanged reads the users Freshservice's filter query finds changed since day, and every
// group. complete is false when the query found more than it lists.
func (s *Session) refreshChanged(ctx context.Context, rep *replica.Replica, day, started time.Time) (complete bool, changed int, err error) {
	var fresh []replica.User
	complete, err = s.c.WalkUsersUpdatedSince(ctx, day, func(fu freshservice.User) error {
		rec, err := s.record(ctx, fu.ID)
		if err != nil {
			return err
		}
		view, err := s.scimUser(ctx, fu, rec, nil)
		if err != nil {
			return err
		}
		fresh = append(fresh, replica.User{FS: fu, View: view, Deleted: rec.Deleted})
		return nil
	})
	if err != nil || !complete {
		return false, 0, err
	}
	var groups []replica.Group
	if err := (buildSource{s}).WalkGroups(ctx, func(g replica.Group) error {
		groups = append(groups, g)
		return nil
	}); err != nil {
		return false, 0, err
	}
	changed = rep.ApplyFresh(fresh)
	rep.ReplaceGroups(groups, started)
	rep.MarkRefreshed()
	return true, changed, nil
}

// startScheduler starts, once, the registry's loop that saves replicas in the background and
// refreshes those of active tenants when due.
func (r *Registry) startScheduler() {
	r.schedOnce.Do(func() {
		tick := r.deps.ReplicaTick
		if tick <= 0 {
			tick = schedulerTick
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			ticker := time.NewTicker(tick)
			defer ticker.Stop()
			for {
				select {
				case <-r.ctx.Done():
					// The last save: it marks each copy closed, so a restart trusts it.
					ctx, cancel := context.WithTimeout(context.Background(), replicaSaveTimeout)
					r.Each(func(t *Tenant) { t.saveClosing(ctx) })
					cancel()
					return
				case <-ticker.C:
					r.Each(func(t *Tenant) { t.tick(r.ctx) })
				}
			}
		}()
	})
}

// tick saves the replica's changes (in the background for a store no other process shares, again
// for a shared one that was unusable) and starts a due refresh of an active tenant.
func (t *Tenant) tick(ctx context.Context) {
	rep := t.loadedReplica()
	if rep == nil {
		return
	}
	t.dir.mu.Lock()
	opened := t.dir.opened
	t.dir.opened = true
	client, lastRead, tooMany := t.dir.client, t.dir.lastRead, t.dir.tooMany
	t.dir.mu.Unlock()
	// The first save of a loaded replica marks its copy open: a process that stops without the last
	// save leaves it so, and the next start refreshes at once.
	t.saveReplicaMeta(ctx, rep, !opened && rep.Complete(), true)
	if client == nil || tooMany || !rep.Complete() || t.deps.Now().Sub(lastRead) > activeFor {
		return
	}
	if t.refreshIsDue(rep) && !t.budgetLow() {
		t.startRefresh(rep, client, false)
	}
}

// saveClosing is a replica's last save before the process stops.
func (t *Tenant) saveClosing(ctx context.Context) {
	if rep := t.loadedReplica(); rep != nil && rep.Complete() {
		t.saveReplicaMeta(ctx, rep, true, false)
	}
}
