// Package config holds what fsscim is told before it serves a request: the server settings (flags and
// environment), the per-tenant YAML files (strict decoding, validation that reports every problem at
// once, live reload of the folder), and the bearer token that carries a tenant's domain and Freshservice
// API key sealed under the server's keys.
package config
