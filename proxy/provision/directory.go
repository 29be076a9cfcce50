package provision

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/proxy/provision/replica"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/record"
)

// replicaBuildWait is how long a read waits for a tenant's first replica build before it falls back
// to asking Freshservice; the build goes on in the background.
const replicaBuildWait = 10 * time.Second

// replicaBuildTimeout bounds one background build or refresh; one that cannot finish in this time is
// tried again later.
const replicaBuildTimeout = 10 * time.Minute

// replicaSaveTimeout bounds one save of a replica's changed records.
const replicaSaveTimeout = 10 * time.Second

// directoryState is a tenant's directory replica and the work done for it.
type directoryState struct {
	mu      sync.Mutex
	rep     *replica.Replica // nil until first used
	view    string           // the view options rep was built with
	loaded  bool             // the persisted copy was looked at
	running bool             // a build or refresh runs
	done    chan struct{}    // closed when it ends
	// client is the last client whose API key Freshservice accepted, for refreshes that no request
	// starts.
	client *freshservice.Client
	// refreshNow: the next refresh starts as soon as the replica is complete (its saved copy may have
	// missed changes). retryAt: no refresh starts before then (the last one failed).
	refreshNow bool
	retryAt    time.Time
	// tooMany: the account has more users than a replica holds; reads go to Freshservice.
	tooMany bool
	// warnedStaleness: the tenant's max_staleness was found below what its budget allows, once.
	warnedStaleness bool
	// lastCost is the list calls the last refresh made.
	lastCost int
	// lastRead is when a request last read the replica; the scheduler refreshes active tenants.
	lastRead time.Time
	// opened: the persisted copy was marked open by this process.
	opened bool
}

// viewKey names the tenant options the SCIM views depend on: the custom attributes.
func viewKey(opts mapping.Options) string {
	names := make([]string, 0, len(opts.Attributes))
	for name, key := range opts.Attributes {
		names = append(names, name+"="+key)
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// recordsComplete reports whether the records every process shares are all within reach now (see
// store.Shared.RecordsComplete); a store no other process shares always has them.
func (t *Tenant) recordsComplete() bool {
	rc, ok := t.deps.Store.(interface{ RecordsComplete() bool })
	return !ok || rc.RecordsComplete()
}

// replicaStore is the store's replica keeping, nil when the store keeps none (the replica then lives
// in memory only).
func (t *Tenant) replicaStore() store.ReplicaStore {
	rs, _ := t.deps.Store.(store.ReplicaStore)
	return rs
}

// replica returns the tenant's replica, made (and loaded from its persisted copy) on first use.
func (s *Session) replica(ctx context.Context) *replica.Replica {
	t := s.t
	d := &t.dir
	// A replica belongs to one Freshservice account: a tenant file that points the domain at another
	// API URL must not get the other account's persisted copy.
	view := viewKey(s.opts) + " @" + s.cfg.BaseURL()
	d.mu.Lock()
	if d.rep == nil || d.view != view {
		// Views worked out under other options (a reloaded tenant file) are built again.
		d.rep = replica.New(replica.Options{Now: t.deps.Now})
		d.view, d.loaded, d.refreshNow, d.retryAt = view, false, false, time.Time{}
	}
	rep, load := d.rep, !d.loaded
	d.loaded = true
	d.mu.Unlock()
	t.reg.startScheduler()
	if load {
		s.loadReplica(ctx, rep, view)
	}
	return rep
}

// loadReplica fills rep from its persisted copy, when there is one.
func (s *Session) loadReplica(ctx context.Context, rep *replica.Replica, view string) {
	t := s.t
	rs := t.replicaStore()
	if rs == nil {
		return
	}
	res, err := rep.Load(ctx, rs, t.domain, view)
	if err != nil {
		s.log.Warn("could not load the directory replica's saved copy; it is built from Freshservice", zap.Error(err))
		return
	}
	if !res.Loaded {
		return
	}
	s.log.Info("directory replica loaded from the store", zap.Int("users", res.Users), zap.Bool("unclean", res.Unclean))
	if res.Unclean {
		// The last process stopped without saving its last changes: refresh at once.
		t.dir.mu.Lock()
		t.dir.refreshNow = true
		t.dir.mu.Unlock()
		return
	}
	if rs.SharesReplica() && rep.Seq() == 0 {
		// Loaded from the local copy while the shared store has nothing: fill it again.
		rep.Unsave()
	}
}

// readyReplica returns the replica when it can answer: built (waiting for the first build up to
// replicaBuildWait, and at most half the time the request has left), caught up with what other
// processes wrote, and with a refresh started in the background when one is due. nil means: ask
// Freshservice.
func (s *Session) readyReplica(ctx context.Context) *replica.Replica {
	t := s.t
	rep := s.replica(ctx)
	now := t.deps.Now()
	t.dir.mu.Lock()
	t.dir.client, t.dir.lastRead = s.c, now
	t.dir.mu.Unlock()
	s.catchUp(ctx, rep)
	if rep.Complete() {
		if !t.refreshIsDue(rep) || t.budgetLow() {
			// A refresh walks in list calls; with little budget left they would delay the writes
			// Entra waits for. fsscim's own writes keep the replica current meanwhile.
			return rep
		}
		done := t.startRefresh(rep, s.c, false)
		if now.Sub(rep.RefreshedAt()) <= 2*t.maxStaleness(rep) {
			return rep
		}
		// Nothing refreshed the replica for a long while (the tenant was idle): this read waits a
		// little for the refresh, so that it keeps the staleness bound.
		s.wait(ctx, done)
		return rep
	}
	t.dir.mu.Lock()
	tooMany := t.dir.tooMany
	t.dir.mu.Unlock()
	if tooMany {
		return nil
	}
	s.wait(ctx, t.startRefresh(rep, s.c, true))
	if rep.Complete() {
		return rep
	}
	return nil
}

// wait waits for done up to replicaBuildWait, and at most half the time the request has left: a
// build slower than the request must leave it the time to ask Freshservice directly.
func (s *Session) wait(ctx context.Context, done <-chan struct{}) {
	wait := replicaBuildWait
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl)/2)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	case <-ctx.Done():
	}
}

// catchUp applies what other processes sharing the store wrote since the replica last looked.
func (s *Session) catchUp(ctx context.Context, rep *replica.Replica) {
	rs := s.t.replicaStore()
	if rs == nil || !rs.SharesReplica() {
		return
	}
	recs, seq, reset, err := rs.ReplicaChanges(ctx, s.t.domain, rep.Seq())
	switch {
	case err != nil:
		s.log.Warn("could not read the directory changes other processes made", zap.Error(err))
	case reset:
		// The shared store lost what it held: this replica's copy fills it again.
		s.log.Warn("the shared store lost the directory replica; saving this process's copy to it again")
		rep.Unsave()
		rep.SetSeq(seq)
		s.t.saveReplica(ctx, rep)
	default:
		rep.ApplyShared(recs, seq)
	}
}

// budgetLow reports whether the tenant's rate budget is known to be under a quarter of its
// per-minute limit (the configured one, or the one learnt from Freshservice).
func (t *Tenant) budgetLow() bool {
	remaining := t.budget.Remaining()
	if remaining < 0 {
		return false
	}
	limit := t.budget.Limit()
	if limit <= 0 {
		limit = t.Config().RateLimit.PerMinute
	}
	return limit > 0 && remaining < limit/4
}

// backgroundSession is a session for work no request waits for (builds, refreshes), with client c.
func (t *Tenant) backgroundSession(c *freshservice.Client) *Session {
	t.mu.RLock()
	cfg, opts := t.cfg, t.opts
	t.mu.RUnlock()
	return &Session{t: t, c: c, cfg: cfg, opts: opts, log: t.deps.Log.With(zap.String("tenant", t.domain))}
}

// startRefresh starts one background build or refresh (if none runs) and returns a channel closed
// when the running one ends. build asks for a full walk.
func (t *Tenant) startRefresh(rep *replica.Replica, c *freshservice.Client, build bool) <-chan struct{} {
	d := &t.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		return d.done
	}
	d.running = true
	done := make(chan struct{})
	d.done = done
	t.deps.Log.Debug("directory replica refresh started", zap.String("tenant", t.domain), zap.Bool("full", build))
	reg := t.reg
	reg.wg.Add(1)
	go func() {
		defer reg.wg.Done()
		defer func() {
			d.mu.Lock()
			d.running = false
			d.mu.Unlock()
			close(done)
		}()
		// Detached from the request that started it, but bounded.
		ctx, cancel := context.WithTimeout(reg.ctx, replicaBuildTimeout)
		defer cancel()
		s := t.backgroundSession(c)
		if err := s.refresh(ctx, rep, build); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("directory replica refresh failed", zap.Error(err))
			d.mu.Lock()
			// Try again after a short while rather than at every request.
			d.retryAt = t.deps.Now().Add(time.Minute)
			d.mu.Unlock()
		}
	}()
	return done
}

// refreshIsDue reports whether the replica's next refresh may start.
func (t *Tenant) refreshIsDue(rep *replica.Replica) bool {
	return !t.deps.Now().Before(t.nextRefresh(rep))
}

// saveReplica writes the replica's changed records to the store: at once when it shares them with
// other processes, else from the scheduler every few seconds. A failed save is tried again later.
func (t *Tenant) saveReplica(ctx context.Context, rep *replica.Replica) {
	t.saveReplicaMeta(ctx, rep, false, true)
}

func (t *Tenant) saveReplicaMeta(ctx context.Context, rep *replica.Replica, withMeta, open bool) {
	rs := t.replicaStore()
	if rs == nil {
		return
	}
	t.dir.mu.Lock()
	view := t.dir.view
	t.dir.mu.Unlock()
	p := rep.TakeUnsaved(view, open, withMeta)
	if len(p.Recs) == 0 && p.Meta == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), replicaSaveTimeout)
	defer cancel()
	seq, err := rs.SaveReplica(ctx, t.domain, p.Recs, p.Meta)
	if err != nil {
		rep.Requeue(p)
		t.deps.Log.Warn("could not save the directory replica; trying again later", zap.String("tenant", t.domain), zap.Error(err))
		return
	}
	if rs.SharesReplica() && seq == 0 && len(p.Recs) > 0 {
		// The shared store was unusable: the records went to the local copy only. They are saved
		// again until other processes can see them.
		rep.Requeue(p)
		return
	}
	rep.SetSeq(seq)
}

// noteUser records fu, as Freshservice answered or fsscim knows it now, with the SCIM user u fsscim
// answers for it (worked out when nil) and fsscim's record rec. Other processes sharing the store
// see it at once.
func (s *Session) noteUser(ctx context.Context, fu freshservice.User, rec record.UserRecord, u *mapping.User) (mapping.User, error) {
	var view mapping.User
	if u != nil {
		view = *u
	} else {
		var err error
		if view, err = s.scimUser(ctx, fu, rec, nil); err != nil {
			return mapping.User{}, err
		}
	}
	s.t.dir.mu.Lock()
	tooMany := s.t.dir.tooMany
	s.t.dir.mu.Unlock()
	if tooMany {
		// The account is too large to replicate: reads ask Freshservice.
		return view, nil
	}
	rep := s.replica(ctx)
	rep.NoteUser(replica.User{FS: fu, View: view, Deleted: rec.Deleted})
	s.publish(ctx, rep)
	return view, nil
}

// forgetUser records that Freshservice no longer has user id.
func (s *Session) forgetUser(ctx context.Context, id int64) {
	rep := s.replica(ctx)
	rep.ForgetUser(id)
	s.publish(ctx, rep)
}

// uncertain records that a write to user id may have landed without fsscim learning the outcome.
func (s *Session) uncertain(ctx context.Context, id int64) {
	s.replica(ctx).MarkUncertain(id)
}

// publish saves the replica's changes at once when other processes share them.
func (s *Session) publish(ctx context.Context, rep *replica.Replica) {
	if rs := s.t.replicaStore(); rs != nil && rs.SharesReplica() {
		s.t.saveReplica(ctx, rep)
	}
}

// answer works out the SCIM user fsscim answers for fu (with what this request sent, saving name
// lookups), records it in the replica and returns it as a resource.
func (s *Session) answer(ctx context.Context, fu freshservice.User, rec record.UserRecord, sent *mapping.User) (Resource, error) {
	u, err := s.scimUser(ctx, fu, rec, sent)
	if err != nil {
		return Resource{}, err
	}
	if _, err := s.noteUser(ctx, fu, rec, &u); err != nil {
		return Resource{}, err
	}
	return s.toResource(u, fu), nil
}

// replicaByEmail finds the user holding email in a complete replica; ok is false when the replica
// cannot say (then Freshservice is asked).
func (s *Session) replicaByEmail(ctx context.Context, email string) (id int64, found, ok bool) {
	rep := s.readyReplica(ctx)
	if rep == nil {
		return 0, false, false
	}
	id, found, complete := rep.UserIDByEmail(email)
	return id, found, complete
}

// replicaIsAgent reports whether the replica knows user id as an agent, and whether it knows it.
func (s *Session) replicaIsAgent(id int64) (agent, known bool) {
	if rep := s.t.loadedReplica(); rep != nil {
		return rep.IsAgent(id)
	}
	return false, false
}

// ReplicaUsers is the number of users in the tenant's directory replica.
func (t *Tenant) ReplicaUsers() int {
	t.dir.mu.Lock()
	rep := t.dir.rep
	t.dir.mu.Unlock()
	if rep == nil {
		return 0
	}
	return rep.Len()
}

// ReplicaComplete reports whether the tenant's replica holds every user and answers reads.
func (t *Tenant) ReplicaComplete() bool {
	t.dir.mu.Lock()
	rep := t.dir.rep
	t.dir.mu.Unlock()
	return rep != nil && rep.Complete()
}

// DirectoryStatus describes a tenant's directory replica.
type DirectoryStatus struct {
	Built        bool // it holds every user and answers reads
	Users        int
	Groups       int
	RefreshedAt  time.Time     // the last build or refresh; zero: none
	MaxStaleness time.Duration // how stale it may get before a refresh is due
}

// DirectoryStatus describes the tenant's directory replica, without making one.
func (t *Tenant) DirectoryStatus() DirectoryStatus {
	ds := DirectoryStatus{MaxStaleness: t.MaxStaleness()}
	if rep := t.loadedReplica(); rep != nil {
		ds.Built, ds.Users, ds.Groups, ds.RefreshedAt = rep.Complete(), rep.Len(), rep.GroupCount(), rep.RefreshedAt()
	}
	return ds
}

// loadedReplica is the tenant's replica when one was made, without making one.
func (t *Tenant) loadedReplica() *replica.Replica {
	t.dir.mu.Lock()
	defer t.dir.mu.Unlock()
	return t.dir.rep
}

// buildSource is what a build reads from Freshservice, with the SCIM view of each user worked out
// from fsscim's records.
type buildSource struct {
	s *Session
}

// WalkUsers implements replica.Source.
func (b buildSource) WalkUsers(ctx context.Context, fn func(replica.User) error) error {
	s := b.s
	records := map[int64]record.UserRecord{}
	err := s.store().ForEachUser(ctx, s.t.domain, func(id int64, r record.UserRecord) error {
		records[id] = r
		return nil
	})
	if err != nil {
		return fmt.Errorf("read fsscim's records of %s: %w", s.t.domain, err)
	}
	return s.c.WalkUsers(ctx, func(fu freshservice.User) error {
		rec := records[fu.ID]
		view, err := s.scimUser(ctx, fu, rec, nil)
		if err != nil {
			return err
		}
		return fn(replica.User{FS: fu, View: view, Deleted: rec.Deleted})
	})
}

// WalkGroups implements replica.Source.
func (b buildSource) WalkGroups(ctx context.Context, fn func(replica.Group) error) error {
	gc, err := b.s.groups()
	if err != nil {
		return nil // the tenant provisions no groups
	}
	groups, err := gc.target.list(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		rg, err := gc.replicaGroup(ctx, g)
		if err != nil {
			return err
		}
		if err := fn(rg); err != nil {
			return err
		}
	}
	return nil
}
