// Package mapping is fsscim's knowledge of how SCIM users and groups translate to Freshservice
// requesters, agents and groups and back. It is pure: no network, no logging, no clock.
package mapping

// Schema URNs fsscim speaks.
const (
	SchemaUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaFreshservice = "urn:ietf:params:scim:schemas:extension:freshservice:2.0:User"
	SchemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// Field names one attribute of User that fsscim maps. A FieldSet says which attributes an operation
// touched, so that a PATCH writes only those.
type Field uint32

// The mapped attributes.
const (
	FieldUserName Field = 1 << iota
	FieldExternalID
	FieldGivenName
	FieldFamilyName
	FieldDisplayName
	FieldTitle
	FieldWorkEmail
	FieldWorkPhone
	FieldMobilePhone
	FieldWorkAddress
	FieldTimeZone
	FieldLocale
	FieldPreferredLanguage
	FieldActive
	FieldDepartment
	FieldManager
	FieldLocation
	FieldIsAgent
	FieldCustom // one or more keys of User.Custom; which ones is in the Custom map itself
	FieldFormattedName
	FieldKept // one or more of the attributes fsscim keeps itself; which ones is in the Kept map itself
)

// FieldSet is a set of Fields.
type FieldSet uint32

// Has reports whether f is in the set.
func (s FieldSet) Has(f Field) bool { return uint32(s)&uint32(f) != 0 }

// Add puts f in the set.
func (s *FieldSet) Add(f Field) { *s = FieldSet(uint32(*s) | uint32(f)) }

// User is a SCIM User in the terms fsscim maps, holding values exactly as Entra sent them so that they
// read back unchanged. Empty strings mean "no value".
type User struct {
	ID                string // the Freshservice id, decimal
	UserName          string
	ExternalID        string
	GivenName         string
	FamilyName        string
	FormattedName     string // name.formatted as sent; Freshservice keeps first and last name only
	DisplayName       string
	Title             string
	WorkEmail         string // emails[type eq "work"].value
	WorkPhone         string // phoneNumbers[type eq "work"].value
	MobilePhone       string // phoneNumbers[type eq "mobile"].value
	WorkAddress       string // addresses[type eq "work"].formatted
	TimeZone          string // IANA name, e.g. America/New_York
	Locale            string // e.g. en-US
	PreferredLanguage string // e.g. en-US
	Active            bool
	Department        string // enterprise department, a Freshservice department name
	ManagerID         string // enterprise manager.value, the manager's SCIM id (= Freshservice id)
	Location          string // Freshservice extension location (or enterprise _location), a location name
	// EnterpriseLocation says the location is also answered as the enterprise "_location": the client
	// writes it there (the Freshservice app's mapping of physicalDeliveryOfficeName) and compares it
	// there.
	EnterpriseLocation bool
	IsAgent            *bool // Freshservice extension isAgent; nil when not sent
	// AgentText is isAgent as the client sent it ("True"), answered back while it says what IsAgent
	// says; "" answers "true" or "false".
	AgentText string
	// Custom holds the Freshservice extension's other attributes by their SCIM name; the tenant's
	// attributes table says which custom_fields key each goes to. A nil value clears the field.
	Custom map[string]any
	// Kept holds the declared attributes Freshservice has no field for (nickName, name.middleName,
	// the enterprise employeeNumber, …; see keptAttributes), by their path; fsscim keeps them.
	Kept map[string]string
}
