// Package store keeps the little that Freshservice forgets and fsscim must put back: what a user had
// before deactivation (departments, manager, location, requester-group memberships), the marks of SCIM
// deletions that only deactivated a user, values as Entra sent them, which users fsscim provisions,
// and the creates it sent without seeing them through (so that a retry finds the user a lost answer
// hid). It is the only state fsscim keeps.
//
// Store is the interface the server uses; Bolt is the embedded implementation for one process, which
// refuses a damaged file (ErrDamaged); Redis shares records between processes, and Shared uses it with
// a Bolt copy that keeps a process going, and refills Redis, when Redis fails (ErrIncomplete when what
// a call needs is out of reach).
package store
