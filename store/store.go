package store

import (
	"context"
	"time"
)

// UserRecord is what fsscim remembers about one Freshservice user of one tenant.
type UserRecord struct {
	// What to put back after a reactivation: Freshservice returns a reactivated user without them.
	DepartmentIDs []int64 `json:"department_ids,omitempty"`
	ManagerID     int64   `json:"manager_id,omitempty"`
	LocationID    int64   `json:"location_id,omitempty"`
	// RequesterGroups are the memberships to restore after a reactivation.
	RequesterGroups []int64 `json:"requester_groups,omitempty"`
	// RestorePending says the user was deactivated and what Freshservice dropped (the fields above,
	// the memberships) has not been put back yet: set at deactivation, cleared once a reactivation
	// restored everything, so a restore cut short by a failure is finished by Entra's retry.
	RestorePending bool `json:"restore_pending,omitempty"`
	// Deleted marks a SCIM DELETE that only deactivated the user; such a user answers 404.
	Deleted   bool      `json:"deleted,omitempty"`
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	// Echo holds values Freshservice cannot store exactly, by SCIM attribute: what Entra sent and what
	// Freshservice stored for it.
	Echo map[string]EchoValue `json:"echo,omitempty"`
	// Provisioned marks a user fsscim created, adopted or changed for a SCIM client: a create for
	// another identity with its email must not take it over.
	Provisioned bool `json:"provisioned,omitempty"`
}

// EchoValue is one value as Entra sent it and as Freshservice stored it. While Freshservice still
// holds Stored, Sent is answered back so Entra sees no difference.
type EchoValue struct {
	Sent   string `json:"sent"`
	Stored string `json:"stored"`
}

// IsZero reports whether the record remembers nothing. Stores do not keep such records.
func (r UserRecord) IsZero() bool {
	return len(r.DepartmentIDs) == 0 && r.ManagerID == 0 && r.LocationID == 0 &&
		len(r.RequesterGroups) == 0 && !r.RestorePending && !r.Deleted && r.DeletedAt.IsZero() && len(r.Echo) == 0 &&
		!r.Provisioned
}

// GroupRecord is what fsscim remembers about one Freshservice group of one tenant.
type GroupRecord struct {
	// ExternalID is Entra's id for the group (its objectId); Freshservice groups have no field for it.
	ExternalID string `json:"external_id,omitempty"`
}

// IsZero reports whether the record remembers nothing. Stores do not keep such records.
func (r GroupRecord) IsZero() bool { return r.ExternalID == "" }

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
	GetUser(ctx context.Context, tenant string, id int64) (UserRecord, bool, error)
	// PutUser replaces the user's record.
	PutUser(ctx context.Context, tenant string, id int64, r UserRecord) error
	// UpdateUser reads the record (the zero record when there is none), lets fn change it and writes
	// it back, atomically with respect to every other write. An error from fn leaves the record as it
	// was and is returned. fn must not call the Store.
	UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *UserRecord) error) error
	// DeleteUser forgets the user; forgetting an unknown user is not an error.
	DeleteUser(ctx context.Context, tenant string, id int64) error
	// UpdateUsers is UpdateUser for many users in one atomic write: fn is called once per id (the
	// zero record for an unknown one); an error from fn leaves every record as it was and is
	// returned. fn must not call the Store.
	UpdateUsers(ctx context.Context, tenant string, ids []int64, fn func(id int64, r *UserRecord) error) error
	// ForEachUser calls fn with every record of the tenant, by id; an error from fn stops the walk and
	// is returned. fn must not call the Store.
	ForEachUser(ctx context.Context, tenant string, fn func(id int64, r UserRecord) error) error
	// GetGroup returns the record of a group of the given kind (such as "requester_groups") and
	// whether there is one. Kinds keep groups of different Freshservice collections apart.
	GetGroup(ctx context.Context, tenant, kind string, id int64) (GroupRecord, bool, error)
	// PutGroup replaces the group's record; a record that IsZero removes it.
	PutGroup(ctx context.Context, tenant, kind string, id int64, r GroupRecord) error
	// DeleteGroup forgets the group; forgetting an unknown group is not an error.
	DeleteGroup(ctx context.Context, tenant, kind string, id int64) error
	// Ping checks that the store can be read, for readiness checks.
	Ping(ctx context.Context) error
	// Close releases the store.
	Close() error
	CreateLog
}
