package freshservice

// userBody is a user write as one kind of endpoint takes it. The requester endpoints call the email
// primary_email and take RequesterFields, the agent endpoints call it email and take AgentFields; the
// other kind's fields stay zero, and every field is omitted when zero, so neither sees the other's.
type userBody struct {
	NameFields
	PrimaryEmail *string `json:"primary_email,omitempty"`
	Email        *string `json:"email,omitempty"`
	RequesterFields
	ProfileFields
	AgentFields
}

func newRequesterBody(f UserFields) userBody {
	return userBody{NameFields: f.NameFields, PrimaryEmail: f.Email, RequesterFields: f.RequesterFields, ProfileFields: f.ProfileFields}
}

func newAgentBody(f UserFields) userBody {
	return userBody{NameFields: f.NameFields, Email: f.Email, ProfileFields: f.ProfileFields, AgentFields: f.AgentFields}
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
	Roles           []RoleInfo       `json:"roles"`
}

// membersEnvelope is a requester group's member list, which reuses the "requesters" key with a
// smaller shape.
type membersEnvelope struct {
	Requesters []GroupMember `json:"requesters"`
}
