package freshservice

// userBody is a user write as sent: UserFields with the email under the key the endpoint expects.
type userBody struct {
	FirstName          *string        `json:"first_name,omitempty"`
	LastName           *string        `json:"last_name,omitempty"`
	JobTitle           *string        `json:"job_title,omitempty"`
	PrimaryEmail       *string        `json:"primary_email,omitempty"` // requester endpoints
	Email              *string        `json:"email,omitempty"`         // agent endpoints
	SecondaryEmails    *[]string      `json:"secondary_emails,omitempty"`
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
	Occasional         *bool          `json:"occasional,omitempty"`
	Roles              []Role         `json:"roles,omitempty"`
	MemberOf           *[]int64       `json:"member_of,omitempty"`
}

func commonBody(f UserFields) userBody {
	return userBody{
		FirstName:          f.FirstName,
		LastName:           f.LastName,
		JobTitle:           f.JobTitle,
		WorkPhoneNumber:    f.WorkPhoneNumber,
		MobilePhoneNumber:  f.MobilePhoneNumber,
		DepartmentIDs:      f.DepartmentIDs,
		ReportingManagerID: f.ReportingManagerID,
		Address:            f.Address,
		TimeZone:           f.TimeZone,
		Language:           f.Language,
		LocationID:         f.LocationID,
		ExternalID:         f.ExternalID,
		CustomFields:       f.CustomFields,
	}
}

// requesterBody leaves out the agent-only fields (occasional, roles, member_of): Freshservice rejects
// unknown attributes with 400 invalid_field.
func requesterBody(f UserFields) userBody {
	b := commonBody(f)
	b.PrimaryEmail = f.Email
	b.SecondaryEmails = f.SecondaryEmails
	return b
}

// agentBody leaves out secondary_emails, which is not an agent attribute.
func agentBody(f UserFields) userBody {
	b := commonBody(f)
	b.Email = f.Email
	b.Occasional = f.Occasional
	b.Roles = f.Roles
	b.MemberOf = f.MemberOf
	return b
}

// requesterGroupBody leaves out members: requester group membership has its own endpoints.
type requesterGroupBody struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

type nameBody struct {
	Name string `json:"name"`
}

// envelope covers Freshservice's wrapped answers: {"requester": {...}}, {"agents": [...]} ...
type envelope struct {
	Requester       *User            `json:"requester"`
	Requesters      []User           `json:"requesters"`
	Agent           *User            `json:"agent"`
	Agents          []User           `json:"agents"`
	Department      *Department      `json:"department"`
	Departments     []Department     `json:"departments"`
	Location        *Location        `json:"location"`
	Locations       []Location       `json:"locations"`
	RequesterGroup  *RequesterGroup  `json:"requester_group"`
	RequesterGroups []RequesterGroup `json:"requester_groups"`
	Group           *AgentGroup      `json:"group"`
	Groups          []AgentGroup     `json:"groups"`
}

// membersEnvelope is a requester group's member list, which reuses the "requesters" key with a
// smaller shape.
type membersEnvelope struct {
	Requesters []GroupMember `json:"requesters"`
}
