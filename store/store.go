package store

import (
	"context"

	"github.com/fsscim/fsscim/store/record"
)

// Store keeps user records by tenant domain (case-insensitive) and Freshservice user id (positive),
// and group records by tenant, kind and group id. Writing a record that IsZero removes it, so a read
// then reports it absent.
//
// A store may run the fn given to UpdateUser or UpdateUsers more than once for one call (bbolt shares
// one transaction among concurrent writes and runs them again when one of them fails). Each run
// starts from the record as stored, so fn must derive everything from r and assign results it hands
// back to the caller on every run, never accumulate them across runs.
type Store interface {
	// GetUser returns the user's record and whether there is one.
	GetUser(ctx context.Context, tenant string, id int64) (record.UserRecord, bool, error)
	// PutUser replaces the user's record.
	PutUser(ctx context.Context, tenant string, id int64, r record.UserRecord) error
	// UpdateUser reads the record (the zero record when there is none), lets fn change it and writes
	// it back, atomically with respect to every other write. An error from fn leaves the record as it
	// was and is returned. fn must not call the Store.
	UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *record.UserRecord) error) error
	// DeleteUser forgets the user; forgetting an unknown user is not an error.
	DeleteUser(ctx context.Context, tenant string, id int64) error
	// UpdateUsers is UpdateUser for many users in one atomic write: fn is called once per id (the
	// zero record for an unknown one); an error from fn leaves every record as it was and is
	// returned. fn must not call the Store.
	UpdateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *record.UserRecord) error) error
	// ForEachUser calls fn with every record of the tenant, by id; an error from fn stops the walk and
	// is returned. fn must not call the Store.
	ForEachUser(ctx context.Context, tenant string, fn func(id int64, r record.UserRecord) error) error
	// GetGroup returns the record of a group of the given kind (such as "requester_groups") and
	// whether there is one. Kinds keep groups of different Freshservice collections apart.
	GetGroup(ctx context.Context, tenant, kind string, id int64) (record.GroupRecord, bool, error)
	// PutGroup replaces the group's record; a record that IsZero removes it.
	PutGroup(ctx context.Context, tenant, kind string, id int64, r record.GroupRecord) error
	// DeleteGroup forgets the group; forgetting an unknown group is not an error.
	DeleteGroup(ctx context.Context, tenant, kind string, id int64) error
	// Ping checks that the store can be read, for readiness checks.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
	CreateLog
}
