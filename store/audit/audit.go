// Package audit holds the audit trail: one entry per write fsscim made (or, for a dry-run tenant,
// would have made) to Freshservice, kept per tenant for a bounded time. Entries never hold a secret.
package audit

import (
	"context"
	"time"
)

// Operation names what a write did.
type Operation string

const (
	Create        Operation = "create"
	Update        Operation = "update"
	Deactivate    Operation = "deactivate"
	Reactivate    Operation = "reactivate"
	Delete        Operation = "delete"
	Convert       Operation = "convert" // requester to agent or back
	GroupCreate   Operation = "group_create"
	GroupUpdate   Operation = "group_update"
	GroupDelete   Operation = "group_delete"
	MembersAdd    Operation = "members_add"
	MembersRemove Operation = "members_remove"
	Enroll        Operation = "enroll" // a customer enrolled the tenant through the web page
)

// Entry is one write.
type Entry struct {
	At        time.Time `json:"at"`
	Tenant    string    `json:"tenant"`
	Operation Operation `json:"operation"`
	// Method and Path are the SCIM request's (e.g. PATCH /scim/v2/Users/42).
	Method    string `json:"method,omitempty"`
	Path      string `json:"path,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	// Kind is "user" or "group"; ID is the Freshservice id (0 when the write failed before one existed).
	Kind  string `json:"kind,omitempty"`
	ID    int64  `json:"id,omitempty"`
	Email string `json:"email,omitempty"` // a user's primary email (for a membership: the member's)
	Name  string `json:"name,omitempty"`  // a group's name, or a user's display name
	// MemberID is the user a membership change added or removed (ID is then the group's).
	MemberID int64 `json:"member_id,omitempty"`
	// Changes are the fields written and their new values, in Freshservice's names.
	Changes []Change `json:"changes,omitempty"`
	// Status is Freshservice's HTTP status (0 when no answer came).
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
	DryRun bool   `json:"dry_run,omitempty"`
}

// Change is one field written.
type Change struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Query selects entries of one tenant, newest first.
type Query struct {
	Tenant string
	// User matches an entry's email (case-insensitively) or, for a group, its name.
	User string
	// ID matches an entry's ID or MemberID.
	ID    int64
	Since time.Time
	// Limit caps the entries returned (0: a default of 100; at most MaxLimit).
	Limit int
}

// Defaults of the trail.
const (
	// DefaultRetention is how long entries are kept when neither the server nor the tenant file says.
	DefaultRetention = 30 * 24 * time.Hour
	DefaultLimit     = 100
	MaxLimit         = 1000
)

// Batcher is a Log that records several entries in one write (the entries of one Freshservice write
// that changed many members).
type Batcher interface {
	AppendAll(ctx context.Context, entries []Entry) error
}

// AppendAll records entries in one write when l is a Batcher, else one by one.
func AppendAll(ctx context.Context, l Log, entries []Entry) error {
	if b, ok := l.(Batcher); ok {
		return b.AppendAll(ctx, entries)
	}
	for _, e := range entries {
		if err := l.Append(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// Log keeps the trail.
type Log interface {
	// Append records an entry. Entries older than the tenant's retention are dropped as it goes.
	Append(ctx context.Context, e Entry) error
	// Find returns the entries matching q, newest first.
	Find(ctx context.Context, q Query) ([]Entry, error)
}
