package provision

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/fsscim/fsscim/mapping"
	"github.com/fsscim/fsscim/store"
	"github.com/fsscim/fsscim/store/record"
)

// userNameAliases finds users by a userName that is not an email address. Freshservice identifies
// users by email, so such a user's primary email is its work email and the userName lives only in
// fsscim's store; lookups by it are answered from this map, loaded from the store on first use.
type userNameAliases struct {
	mu     sync.Mutex
	loaded bool
	byName map[string]int64
}

func aliasKey(userName string) string { return strings.ToLower(strings.TrimSpace(userName)) }

// load reads every remembered userName of the tenant once.
func (a *userNameAliases) load(ctx context.Context, st store.Store, tenant string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loaded {
		return nil
	}
	byName := map[string]int64{}
	err := st.ForEachUser(ctx, tenant, func(id int64, r record.UserRecord) error {
		if v, ok := r.Echo[mapping.EchoUserName]; ok && v.Sent != "" && !r.Deleted {
			byName[aliasKey(v.Sent)] = id
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load userNames of %s: %w", tenant, err)
	}
	a.byName, a.loaded = byName, true
	return nil
}

// lookup returns the user whose userName is name.
func (a *userNameAliases) lookup(ctx context.Context, st store.Store, tenant, name string) (int64, bool, error) {
	if err := a.load(ctx, st, tenant); err != nil {
		return 0, false, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.byName[aliasKey(name)]
	return id, ok, nil
}

// note records a user's current record: its remembered userName, if any, replaces the old one.
func (a *userNameAliases) note(id int64, r record.UserRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		// Loaded from the store, which already holds this record, on first use.
		return
	}
	for k, v := range a.byName {
		if v == id {
			delete(a.byName, k)
		}
	}
	if v, ok := r.Echo[mapping.EchoUserName]; ok && v.Sent != "" && !r.Deleted {
		a.byName[aliasKey(v.Sent)] = id
	}
}
