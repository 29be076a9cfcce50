// Package record holds the records fsscim keeps about Freshservice users and groups: what
// Freshservice forgets on deactivation, deletion marks, and values as a client sent them. store keeps
// them; mapping and provisioning read and write them. It imports nothing but the standard library, so
// every package can share these one types.
package record

import "time"

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
// holds Stored, Sent is answered back so Entra sees no difference. An empty Stored means Freshservice
// was given nothing for it, and Sent is answered whatever Freshservice holds.
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
	// Created and LastModified are when fsscim made the group and last changed it, kept for groups
	// whose Freshservice record carries no times (requester groups).
	Created      time.Time `json:"created,omitzero"`
	LastModified time.Time `json:"last_modified,omitzero"`
}

// IsZero reports whether the record remembers nothing. Stores do not keep such records.
func (r GroupRecord) IsZero() bool {
	return r.ExternalID == "" && r.Created.IsZero() && r.LastModified.IsZero()
}
