// Package names resolves a tenant's Freshservice department and location names to ids and back,
// from a cache filled by walking their lists.
package names

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/fsscim/fsscim/freshservice"
)

// Options tunes a Cache.
type Options struct {
	TTL time.Duration // how long a name or id stays cached; default 10 minutes
	// MinRefresh is the least time between two list walks of one kind: a name that is still missing
	// after a walk this recent is reported as not existing. Default 1 minute; never above TTL.
	MinRefresh time.Duration
	Size       int              // entries held (names and ids of both kinds); default 10,000
	Now        func() time.Time // clock; default time.Now
	// OnLookup, when set, is told of every lookup by name or id: hit is true when the cache answered
	// without a Freshservice call. For metrics.
	OnLookup func(kind string, hit bool)
}

// Client is what the cache asks of Freshservice.
type Client interface {
	ListDepartments(ctx context.Context) ([]freshservice.Department, error)
	GetDepartment(ctx context.Context, id int64) (freshservice.Department, error)
	CreateDepartment(ctx context.Context, name string) (freshservice.Department, error)
	ListLocations(ctx context.Context) ([]freshservice.Location, error)
	GetLocation(ctx context.Context, id int64) (freshservice.Location, error)
	CreateLocation(ctx context.Context, name string) (freshservice.Location, error)
}

var _ Client = (*freshservice.Client)(nil)

// walkTimeout bounds a shared list walk, which outlives the request that started it.
const walkTimeout = 2 * time.Minute

// Cache resolves department and location names to ids and back for one tenant. One list walk
// fills the cache for a kind; concurrent misses share that walk, and a name missing after a walk
// triggers at most one new walk per MinRefresh, so a department created in Freshservice is found
// quickly without spending the rate budget on every unknown name. Names match case-insensitively,
// ignoring surrounding white space.
type Cache struct {
	opts    Options
	cache   *lookupCache
	flights singleflight.Group

	mu     sync.Mutex
	walked map[string]time.Time // kind → when its last walk completed; nil before the first walk
}

// lookupKey is a normalised name (id 0) or an id (name "") of one kind.
type lookupKey struct {
	kind string
	name string
	id   int64
}

// named is one department or location as the cache keeps it.
type named struct {
	id   int64
	name string
}

// New returns an empty cache.
func New(opts Options) *Cache {
	if opts.TTL <= 0 {
		opts.TTL = 10 * time.Minute
	}
	if opts.MinRefresh <= 0 {
		opts.MinRefresh = time.Minute
	}
	// A refresh gap longer than the TTL would report expired names as missing.
	opts.MinRefresh = min(opts.MinRefresh, opts.TTL)
	if opts.Size <= 0 {
		opts.Size = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{opts: opts, cache: newLookupCache(opts.Size, opts.TTL, opts.Now)}
}

// Error says a department or location name matches no object, or more than one.
type Error struct {
	Kind       string   // "department" or "location"
	Name       string   // as asked for, trimmed
	Candidates []string // the matching objects' names when ambiguous; empty when not found
}

// Error is a sentence a person can act on.
func (e *Error) Error() string {
	if len(e.Candidates) == 0 {
		return fmt.Sprintf("%s %q does not exist", e.Kind, e.Name)
	}
	quoted := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		quoted[i] = fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("%s name %q is ambiguous: %d %ss match (%s)", e.Kind, e.Name, len(e.Candidates), e.Kind,
		strings.Join(quoted, ", "))
}

// NotFound reports that no object has the name.
func (e *Error) NotFound() bool { return len(e.Candidates) == 0 }

// Ambiguous reports that several objects have the name.
func (e *Error) Ambiguous() bool { return len(e.Candidates) > 0 }

// DepartmentID resolves a department name; create makes a missing one (and caches it).
func (l *Cache) DepartmentID(ctx context.Context, c Client, name string, create bool) (int64, error) {
	return l.id(ctx, c, departmentKind, name, create)
}

// DepartmentName resolves a department id to its name.
func (l *Cache) DepartmentName(ctx context.Context, c Client, id int64) (string, error) {
	return l.name(ctx, c, departmentKind, id)
}

// LocationID resolves a location name; create makes a missing one (and caches it).
func (l *Cache) LocationID(ctx context.Context, c Client, name string, create bool) (int64, error) {
	return l.id(ctx, c, locationKind, name, create)
}

// LocationName resolves a location id to its name.
func (l *Cache) LocationName(ctx context.Context, c Client, id int64) (string, error) {
	return l.name(ctx, c, locationKind, id)
}

// lookupKind is what Cache needs to know about departments or locations.
type lookupKind struct {
	name   string
	list   func(context.Context, Client) ([]named, error)
	get    func(context.Context, Client, int64) (named, error)
	create func(context.Context, Client, string) (named, error)
}

var (
	departmentKind = newLookupKind("department", func(d freshservice.Department) named { return named{d.ID, d.Name} },
		Client.ListDepartments, Client.GetDepartment, Client.CreateDepartment)
	locationKind = newLookupKind("location", func(l freshservice.Location) named { return named{l.ID, l.Name} },
		Client.ListLocations, Client.GetLocation, Client.CreateLocation)
)

// newLookupKind is the kind whose Freshservice records of type T the client calls read and write,
// each taken as its id and name by asNamed.
func newLookupKind[T any](name string, asNamed func(T) named,
	list func(Client, context.Context) ([]T, error),
	get func(Client, context.Context, int64) (T, error),
	create func(Client, context.Context, string) (T, error),
) lookupKind {
	return lookupKind{
		name: name,
		list: func(ctx context.Context, c Client) ([]named, error) {
			ts, err := list(c, ctx)
			out := make([]named, len(ts))
			for i, t := range ts {
				out[i] = asNamed(t)
			}
			return out, err
		},
		get: func(ctx context.Context, c Client, id int64) (named, error) {
			t, err := get(c, ctx, id)
			return asNamed(t), err
		},
		create: func(ctx context.Context, c Client, name string) (named, error) {
			t, err := create(c, ctx, name)
			return asNamed(t), err
		},
	}
}

func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (l *Cache) id(ctx context.Context, c Client, k lookupKind, name string, create bool) (int64, error) {
	trimmed := strings.TrimSpace(name)
	key := lookupKey{kind: k.name, name: normName(name)}
	if key.name == "" {
		return 0, fmt.Errorf("%s name is empty", k.name)
	}
	if found, ok := l.cache.Get(key); ok {
		l.observe(k, true)
		return resolve(k, trimmed, found)
	}
	l.observe(k, false)
	if err := l.refresh(ctx, c, k, false); err != nil {
		return 0, fmt.Errorf("look up %s %q: %w", k.name, trimmed, err)
	}
	if found, ok := l.cache.Get(key); ok {
		return resolve(k, trimmed, found)
	}
	if !create {
		return 0, &Error{Kind: k.name, Name: trimmed}
	}
	found, err := l.create(ctx, c, k, key, trimmed)
	if err != nil {
		return 0, err
	}
	return resolve(k, trimmed, found)
}

// create makes a missing object once, however many requests ask for it at the same moment.
func (l *Cache) create(ctx context.Context, c Client, k lookupKind, key lookupKey, name string) ([]named, error) {
	v, err := l.shared(ctx, "create\x00"+k.name+"\x00"+key.name, func(ctx context.Context) (any, error) {
		if found, ok := l.cache.Get(key); ok {
			return found, nil // created by a call that finished just before this one started
		}
		made, err := k.create(ctx, c, name)
		if freshservice.IsDuplicate(err) {
			// Someone else made it since the last walk: the cache is known to be stale.
			if err := l.refresh(ctx, c, k, true); err != nil {
				return nil, fmt.Errorf("look up %s %q after a duplicate: %w", k.name, name, err)
			}
			if found, ok := l.cache.Get(key); ok {
				return found, nil
			}
			return nil, fmt.Errorf("create %s %q: %w", k.name, name, err)
		}
		if err != nil {
			return nil, fmt.Errorf("create %s %q: %w", k.name, name, err)
		}
		found := []named{made}
		l.cache.Add(lookupKey{kind: k.name, name: normName(made.name)}, found)
		l.cache.Add(lookupKey{kind: k.name, id: made.id}, found)
		if normName(made.name) != key.name {
			l.cache.Add(key, found)
		}
		return found, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]named), nil
}

func (l *Cache) name(ctx context.Context, c Client, k lookupKind, id int64) (string, error) {
	key := lookupKey{kind: k.name, id: id}
	if found, ok := l.cache.Get(key); ok {
		l.observe(k, true)
		return found[0].name, nil
	}
	l.observe(k, false)
	if err := l.refresh(ctx, c, k, false); err != nil {
		return "", fmt.Errorf("look up %s %d: %w", k.name, id, err)
	}
	if found, ok := l.cache.Get(key); ok {
		return found[0].name, nil
	}
	// Not in a recent walk: ask for the one object rather than walk again.
	v, err := l.shared(ctx, fmt.Sprintf("get\x00%s\x00%d", k.name, id), func(ctx context.Context) (any, error) {
		got, err := k.get(ctx, c, id)
		if err != nil {
			return nil, fmt.Errorf("look up %s %d: %w", k.name, id, err)
		}
		// Only the id is cached: the name key must list every object of that name, which only a
		// walk can tell.
		l.cache.Add(key, []named{got})
		return got.name, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// refresh walks the kind's list and replaces what the cache holds of that kind, unless a walk
// completed less than MinRefresh ago (force ignores that). Concurrent callers share one walk.
func (l *Cache) refresh(ctx context.Context, c Client, k lookupKind, force bool) error {
	flight := "walk\x00" + k.name
	if force {
		flight = "force\x00" + k.name
	}
	_, err := l.shared(ctx, flight, func(ctx context.Context) (any, error) {
		l.mu.Lock()
		last := l.walked[k.name]
		l.mu.Unlock()
		if !force && !last.IsZero() && l.opts.Now().Sub(last) < l.opts.MinRefresh {
			return nil, nil
		}
		items, err := k.list(ctx, c)
		if err != nil {
			return nil, err
		}
		l.fill(k, items)
		l.mu.Lock()
		if l.walked == nil {
			l.walked = map[string]time.Time{}
		}
		l.walked[k.name] = l.opts.Now()
		l.mu.Unlock()
		return nil, nil
	})
	return err
}

// fill replaces the cached entries of one kind with a complete list.
func (l *Cache) fill(k lookupKind, items []named) {
	byName := make(map[string][]named, len(items))
	for _, it := range items {
		n := normName(it.name)
		byName[n] = append(byName[n], it)
	}
	for _, key := range l.cache.Keys() {
		if key.kind != k.name {
			continue
		}
		if key.id == 0 {
			if _, ok := byName[key.name]; !ok {
				l.cache.Remove(key) // renamed or deleted in Freshservice
			}
		}
	}
	for n, list := range byName {
		l.cache.Add(lookupKey{kind: k.name, name: n}, list)
		for _, it := range list {
			l.cache.Add(lookupKey{kind: k.name, id: it.id}, []named{it})
		}
	}
}

// shared runs fn once for all concurrent callers with the same flight key. fn runs detached from the
// first caller's cancellation (bounded by walkTimeout) so that one caller giving up does not fail
// the others; each caller still stops waiting when its own context ends.
func (l *Cache) shared(ctx context.Context, flight string, fn func(context.Context) (any, error)) (any, error) {
	ch := l.flights.DoChan(flight, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), walkTimeout)
		defer cancel()
		return fn(fctx)
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func resolve(k lookupKind, name string, found []named) (int64, error) {
	switch len(found) {
	case 0:
		return 0, &Error{Kind: k.name, Name: name}
	case 1:
		return found[0].id, nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.name
	}
	slices.Sort(names)
	return 0, &Error{Kind: k.name, Name: name, Candidates: names}
}

// IsNotFound reports a Error for a name no object has.
func IsNotFound(err error) bool {
	var ne *Error
	return errors.As(err, &ne) && ne.NotFound()
}

func (l *Cache) observe(k lookupKind, hit bool) {
	if l.opts.OnLookup != nil {
		l.opts.OnLookup(k.name, hit)
	}
}
