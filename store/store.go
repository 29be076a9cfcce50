// Package store keeps the little that Freshservice forgets and fsscim must put back: what a user had
// before deactivation, the requester groups fsscim put it in, SCIM deletions that only deactivated,
// and values as Entra sent them. Everything in it can be rebuilt from Freshservice and Entra.
package store

import (
	"context"
	"time"
)

// EchoValue is a value Entra sent (Sent) and the form Freshservice stored it in (Stored).
type EchoValue struct {
	Sent   string `json:"sent"`
	Stored string `json:"stored"`
}

// UserRecord is what fsscim remembers about one Freshservice user.
type UserRecord struct {
	DepartmentIDs   []int64              `json:"department_ids,omitempty"`
	ManagerID       int64                `json:"manager_id,omitempty"`
	LocationID      int64                `json:"location_id,omitempty"`
	RequesterGroups []int64              `json:"requester_groups,omitempty"`
	Deleted         bool                 `json:"deleted,omitempty"`
	DeletedAt       time.Time            `json:"deleted_at,omitempty"`
	Echo            map[string]EchoValue `json:"echo,omitempty"`
}

// Store is the embedded store's interface; a shared implementation can stand in for several replicas.
type Store interface {
	GetUser(ctx context.Context, tenant string, id int64) (UserRecord, bool, error)
	PutUser(ctx context.Context, tenant string, id int64, r UserRecord) error
	// UpdateUser reads, changes and writes one record atomically.
	UpdateUser(ctx context.Context, tenant string, id int64, fn func(r *UserRecord) error) error
	DeleteUser(ctx context.Context, tenant string, id int64) error
	// Ping reports whether the store is usable, for readiness.
	Ping(ctx context.Context) error
	Close() error
}
