// Package provision is what each SCIM operation does in Freshservice: the runtime state of every
// tenant (its rate budget, directory replica, name lookups, locks and the clients for its API keys),
// and the user and group operations built on it. It knows nothing of HTTP: the HTTP surface decodes a
// request into values, calls an operation here and writes what comes back.
package provision
