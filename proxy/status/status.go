// Package status holds what an operator and a customer's admin see of one tenant: whether
// Freshservice accepts its key, when it was last used, its budget, its directory replica and what
// fsscim did for it over the last day. The proxy fills it; the admin API, the CLI and the web pages
// show it.
package status

import "time"

// KeyState is what fsscim last learned of a tenant's API key from Freshservice.
type KeyState string

const (
	KeyUnchecked KeyState = "unchecked"         // no request has brought the key yet
	KeyWorking   KeyState = "working"           // Freshservice accepted it, and it is an account admin's
	KeyRejected  KeyState = "rejected"          // Freshservice answered 401
	KeyNotAdmin  KeyState = "not_account_admin" // accepted, but its owner lacks the account admin role
)

// FileState is the state of a tenant's file in the tenants folder.
type FileState string

const (
	FileCurrent  FileState = "current"        // the file as it is on disk is in use
	FileLastGood FileState = "last_good_kept" // the file changed and was refused; the last good one serves
	FileRejected FileState = "rejected"       // the file was refused and nothing serves the tenant
)

// Tenant is one tenant's status. Times are zero when the event has not happened since start.
type Tenant struct {
	Domain    string    `json:"domain"`
	File      string    `json:"file"`
	FileState FileState `json:"file_state"`
	FileError string    `json:"file_error,omitempty"`
	DryRun    bool      `json:"dry_run,omitempty"`
	// Up is true when the tenant serves: its file loaded and its key is not known to be refused.
	Up           bool      `json:"up"`
	Key          KeyState  `json:"key"`
	KeyCheckedAt time.Time `json:"key_checked_at,omitzero"`
	// KeyOwner names the agent owning the key (name and email), never the key.
	KeyOwner string `json:"key_owner,omitempty"`

	LastRequest         time.Time `json:"last_request,omitzero"`
	LastUpstreamSuccess time.Time `json:"last_upstream_success,omitzero"`
	LastUpstreamError   time.Time `json:"last_upstream_error,omitzero"`
	LastUpstreamReason  string    `json:"last_upstream_reason,omitempty"`

	Budget    Budget    `json:"budget"`
	Directory Directory `json:"directory"`
	Cycle     Cycle     `json:"cycle"`
	// Activity counts the last 24 hours, one entry an hour, oldest first.
	Activity []Hour `json:"activity"`
	// Errors are the latest failed requests, newest first (at most 20).
	Errors []Failure `json:"errors"`
}

// Budget is the tenant's Freshservice call budget in the current clock minute.
type Budget struct {
	Limit   int   `json:"limit"`
	Used    int   `json:"used"`
	Left    int   `json:"left"`
	Refused int64 `json:"refused"` // calls refused for the budget since start
}

// Directory describes the tenant's directory replica.
type Directory struct {
	Built       bool      `json:"built"`
	Users       int       `json:"users"`
	Groups      int       `json:"groups"`
	RefreshedAt time.Time `json:"refreshed_at,omitzero"`
	// Stale is true when the replica is older than the tenant's max staleness.
	Stale bool `json:"stale"`
}

// Cycle describes the client's current (or last) provisioning cycle: requests that follow each other
// with no gap longer than a few minutes.
type Cycle struct {
	Started  time.Time `json:"started,omitzero"`
	Last     time.Time `json:"last,omitzero"`
	Requests int       `json:"requests"`
	Writes   int       `json:"writes"`
	Errors   int       `json:"errors"`
	Active   bool      `json:"active"`
}

// Hour counts what fsscim did for the tenant in one hour.
type Hour struct {
	Start    time.Time `json:"start"`
	Creates  int       `json:"creates"`
	Updates  int       `json:"updates"`
	Disables int       `json:"disables"`
	Deletes  int       `json:"deletes"`
	Errors   int       `json:"errors"`
}

// Failure is one failed SCIM request: what was asked, of whom, Freshservice's reason and the fix.
type Failure struct {
	At        time.Time `json:"at"`
	Operation string    `json:"operation"` // e.g. "create user", "patch group"
	Path      string    `json:"path"`
	User      string    `json:"user,omitempty"` // email, userName or group name when known
	Status    int       `json:"status"`
	Reason    string    `json:"reason"`
	Fix       string    `json:"fix,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
}
