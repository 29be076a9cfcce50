// Package freshservice is a client for the Freshservice v2 REST API: typed models, endpoints,
// pagination, error classification, retries, and a per-call observer and tally. Pacing calls to the
// account's rate limit is left to a Limiter the caller provides.
package freshservice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// FlexString decodes a JSON string or number into a string. Freshservice documents phone numbers and
// external_id as numbers but sends strings; accepting both keeps one odd tenant from breaking decoding.
type FlexString string

// UnmarshalJSON accepts a string, a number or null. A string without escapes, the common case, is
// taken from the bytes as they are: decoding it again would scan it twice more.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
		return nil
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plainJSONString(b[1:len(b)-1]):
		*s = FlexString(b[1 : len(b)-1])
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = FlexString(v)
		return nil
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("flexible string: %w", err)
		}
		*s = FlexString(n.String())
		return nil
	}
}

// plainJSONString reports whether the inside of a JSON string has no escapes and no control or
// non-ASCII bytes, so that it reads as the same Go string byte for byte.
func plainJSONString(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c == '"' || c < 0x20 || c >= 0x80 {
			return false
		}
	}
	return true
}

// ID is a Freshservice object id in a write payload. Zero marshals as JSON null, which is how a
// reference (manager, location) is cleared.
type ID int64

// MarshalJSON writes null for zero.
func (id ID) MarshalJSON() ([]byte, error) {
	if id == 0 {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatInt(int64(id), 10)), nil
}

// UnmarshalJSON reads a number or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*id = 0
		return nil
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*id = ID(v)
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*id = ID(v)
	return nil
}

// Role is an agent role assignment.
type Role struct {
	RoleID          int64   `json:"role_id"`
	AssignmentScope string  `json:"assignment_scope"`
	Groups          []int64 `json:"groups,omitempty"`
}

// User is a Freshservice requester or agent as read from the API. Requesters and agents are one record
// underneath (conversion keeps the id); the requester endpoints call the email primary_email, the agent
// endpoints email. The client fills IsAgent for agent responses, which do not carry is_agent.
type User struct {
	ID                    int64          `json:"id"`
	FirstName             string         `json:"first_name"`
	LastName              string         `json:"last_name"`
	JobTitle              string         `json:"job_title"`
	PrimaryEmail          string         `json:"primary_email"`
	Email                 string         `json:"email"`
	SecondaryEmails       []string       `json:"secondary_emails"`
	WorkPhoneNumber       FlexString     `json:"work_phone_number"`
	MobilePhoneNumber     FlexString     `json:"mobile_phone_number"`
	DepartmentIDs         []int64        `json:"department_ids"`
	ReportingManagerID    ID             `json:"reporting_manager_id"`
	Address               string         `json:"address"`
	TimeZone              string         `json:"time_zone"`
	TimeFormat            string         `json:"time_format"`
	Language              string         `json:"language"`
	LocationID            ID             `json:"location_id"`
	BackgroundInformation string         `json:"background_information"`
	CustomFields          map[string]any `json:"custom_fields"`
	ExternalID            FlexString     `json:"external_id"`
	Active                bool           `json:"active"`
	IsAgent               bool           `json:"is_agent"`
	Occasional            bool           `json:"occasional"`
	HasLoggedIn           bool           `json:"has_logged_in"`
	VIPUser               bool           `json:"vip_user"`
	Roles                 []Role         `json:"roles,omitempty"`
	MemberOf              []int64        `json:"member_of,omitempty"`
	CreatedAt             time.Time      `json:"created_at"`
	UpdatedAt             time.Time      `json:"updated_at"`
}

// Mail is the user's primary email whichever endpoint returned it.
func (u User) Mail() string {
	if u.PrimaryEmail != "" {
		return u.PrimaryEmail
	}
	return u.Email
}

// UserFields is a partial set of writable user fields: nil pointers are not sent, so a PUT carries only
// what changed. Email is sent as primary_email to the requester endpoints and as email to the agent
// endpoints. A pointer to ID(0) sends null (clears the reference); a pointer to "" sends "".
//
// The fields come in groups by the endpoints that take them, in the order their keys are sent:
// requesters and agents both take NameFields and ProfileFields, only requesters RequesterFields and
// only agents AgentFields (Freshservice rejects an attribute the endpoint does not know with 400).
type UserFields struct {
	NameFields
	Email *string `json:"-"`
	RequesterFields
	ProfileFields
	AgentFields
}

// NameFields are the user's name and job title.
type NameFields struct {
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	JobTitle  *string `json:"job_title,omitempty"`
}

// RequesterFields are written to requesters only.
type RequesterFields struct {
	SecondaryEmails *[]string `json:"secondary_emails,omitempty"`
}

// ProfileFields are the rest of what requesters and agents share.
type ProfileFields struct {
	WorkPhoneNumber    *string        `json:"work_phone_number,omitempty"`
	MobilePhoneNumber  *string        `json:"mobile_phone_number,omitempty"`
	DepartmentIDs      *[]int64       `json:"department_ids,omitempty"`
	ReportingManagerID *ID            `json:"reporting_manager_id,omitempty"`
	Address            *string        `json:"address,omitempty"`
	TimeZone           *string        `json:"time_zone,omitempty"`
	Language           *string        `json:"language,omitempty"`
	LocationID         *ID            `json:"location_id,omitempty"`
	ExternalID         *string        `json:"external_id,omitempty"`
	CustomFields       map[string]any `json:"custom_fields,omitempty"`
}

// AgentFields are written to agents only.
type AgentFields struct {
	Occasional *bool    `json:"occasional,omitempty"`
	Roles      []Role   `json:"roles,omitempty"`
	MemberOf   *[]int64 `json:"member_of,omitempty"`
}

// Empty reports whether the write would send nothing: a PATCH that changes nothing makes no write.
// Every field is omitted when empty, so the encoded fields tell it without listing them.
func (f UserFields) Empty() bool {
	if f.Email != nil {
		return false
	}
	b, err := json.Marshal(f)
	return err == nil && string(b) == "{}"
}

// Department is a Freshservice department (company in MSP accounts).
type Department struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	HeadUserID  ID             `json:"head_user_id"`
	PrimeUserID ID             `json:"prime_user_id"`
	Domains     []string       `json:"domains"`
	CustomField map[string]any `json:"custom_fields,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// LocationAddress is the nested address of a location.
type LocationAddress struct {
	Line1   string `json:"line1,omitempty"`
	Line2   string `json:"line2,omitempty"`
	City    string `json:"city,omitempty"`
	State   string `json:"state,omitempty"`
	Country string `json:"country,omitempty"`
	Zipcode string `json:"zipcode,omitempty"`
}

// Location is a Freshservice location.
type Location struct {
	ID               int64            `json:"id"`
	Name             string           `json:"name"`
	ParentLocationID ID               `json:"parent_location_id"`
	PrimaryContactID ID               `json:"primary_contact_id"`
	Address          *LocationAddress `json:"address,omitempty"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
}

// Requester group types.
const (
	GroupTypeManual    = "manual"
	GroupTypeRuleBased = "rule_based"
)

// RequesterGroup is a Freshservice requester group.
type RequesterGroup struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
}

// GroupMember is one entry of a requester group's member list (which says email, not primary_email).
type GroupMember struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
}

// AgentGroup is a Freshservice agent group; membership is the whole Members list.
type AgentGroup struct {
	ID                     int64     `json:"id"`
	Name                   string    `json:"name"`
	Description            string    `json:"description"`
	Members                []int64   `json:"members"`
	Observers              []int64   `json:"observers"`
	Leaders                []int64   `json:"leaders"`
	MembersPendingApproval []int64   `json:"members_pending_approval,omitempty"`
	Restricted             bool      `json:"restricted"`
	ApprovalRequired       bool      `json:"approval_required"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// GroupFields is a partial write of a requester or agent group.
type GroupFields struct {
	Name        *string  `json:"name,omitempty"`
	Description *string  `json:"description,omitempty"`
	Members     *[]int64 `json:"members,omitempty"` // agent groups only: the whole list
}
