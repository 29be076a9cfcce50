package freshservice

// requesterBody is a user write as the requester endpoints take it: the email is primary_email.
type requesterBody struct {
	NameFields
	PrimaryEmail *string `json:"primary_email,omitempty"`
	RequesterFields
	ProfileFields
}

func newRequesterBody(f UserFields) requesterBody {
	return requesterBody{NameFields: f.NameFields, PrimaryEmail: f.Email, RequesterFields: f.RequesterFields, ProfileFields: f.ProfileFields}
}

// agentBody is a user write as the agent endpoints take it: the email is email.
type agentBody struct {
	NameFields
	Email *string `json:"email,omitempty"`
	ProfileFields
	AgentFields
}

func newAgentBody(f UserFields) agentBody {
	return agentBody{NameFields: f.NameFields, Email: f.Email, ProfileFields: f.ProfileFields, AgentFields: f.AgentFields}
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
