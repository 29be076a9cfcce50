// Package store keeps the little that Freshservice forgets and fsscim must put back: what a user had
// before deactivation (departments, manager, location, requester-group memberships), the marks of SCIM
// deletions that only deactivated a user, and values as Entra sent them. It is the only state fsscim
// keeps, and all of it can be lost without breaking more than those restorations.
//
// Store is the interface the server uses; Bolt is the embedded implementation for one process. The
// records themselves are the types of store/record.
package store
