package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fsscim/fsscim/freshservice/egress"
)

var (
	reAttributeName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	reCustomField   = regexp.MustCompile(`^[a-z0-9_]+$`)
	reHostLabel     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	reNotFieldChar  = regexp.MustCompile(`[^a-z0-9_]+`)
)

// builtinAttributes are Freshservice-extension attributes fsscim maps itself; a custom field must not
// take their names.
var builtinAttributes = []string{"isAgent", "location"}

// fileChecker validates a decoded tenant file and collects every problem, each naming its key.
type fileChecker struct {
	file  string
	index *yamlIndex
	opts  LoadOptions
	errs  []error
}

func (c *fileChecker) fail(key, format string, args ...any) {
	c.errs = append(c.errs, &FileError{File: c.file, Line: c.index.line(key), Key: key,
		Problem: fmt.Sprintf(format, args...)})
}

// tenant checks every rule and builds the Tenant; the Tenant is only meaningful when no problem was
// recorded.
func (c *fileChecker) tenant(f *tenantFile) *Tenant {
	domain := c.domain(f.Domain)
	t := &Tenant{
		Domain: domain,
		APIURL: c.apiURL(f.APIURL, domain),
		Users: UserPolicy{
			Type:                c.oneOf("users.type", f.Users.Type, UserTypeRequester, UserTypeAgent),
			OnDisable:           c.oneOf("users.on_disable", f.Users.OnDisable, OnDisableDeactivate),
			OnDelete:            c.oneOf("users.on_delete", f.Users.OnDelete, OnDeleteDeactivate, OnDeleteForget),
			ReactivateExisting:  *f.Users.ReactivateExisting,
			ManageAccountAdmins: f.Users.ManageAccountAdmins,
			AgentDefaults:       AgentDefaults{Roles: c.roles(f.Users.AgentDefaults.Roles)},
		},
		Departments: LookupPolicy{CreateMissing: f.Departments.CreateMissing},
		Locations:   LookupPolicy{CreateMissing: f.Locations.CreateMissing},
		Groups: GroupPolicy{Target: c.oneOf("groups.target", f.Groups.Target,
			GroupTargetRequesterGroups, GroupTargetAgentGroups, GroupTargetNone)},
		Attributes:      c.attributes(f.Attributes),
		Defaults:        UserDefaults{TimeZone: f.Defaults.TimeZone, Language: f.Defaults.Language},
		RateLimit:       RateLimit{PerMinute: f.RateLimit.PerMinute, ListPerMinute: f.RateLimit.ListPerMinute},
		Directory:       DirectoryPolicy{MaxStaleness: c.staleness("directory.max_staleness", f.Directory.MaxStaleness)},
		DryRun:          f.DryRun,
		AuditRetention:  c.auditRetention("audit.retention", f.Audit.Retention),
		TokensNotBefore: c.notBefore(f.TokensNotBefore),
	}
	c.notNegative("rate_limit.per_minute", f.RateLimit.PerMinute)
	c.notNegative("rate_limit.list_per_minute", f.RateLimit.ListPerMinute)
	return t
}

func (c *fileChecker) domain(raw string) string {
	const key = "domain"
	const example = "e.g. domain: acme.freshservice.com"
	if strings.TrimSpace(raw) == "" {
		c.fail(key, "missing; set it to the Freshservice account's host name, %s", example)
		return ""
	}
	host := strings.ToLower(raw)
	if strings.Contains(host, "/") {
		bare := host
		if u, err := url.Parse(host); err == nil && u.Host != "" {
			bare = u.Hostname()
		} else {
			bare = strings.SplitN(host, "/", 2)[0]
		}
		c.fail(key, "%q must be a bare host name without scheme or path; use domain: %s "+
			"(set api_url to reach a different API address)", raw, bare)
		return ""
	}
	if h, port, err := net.SplitHostPort(host); err == nil && port != "" {
		c.fail(key, "%q must be a bare host name without a port; use domain: %s "+
			"(set api_url to reach a different port)", raw, h)
		return ""
	}
	if strings.HasSuffix(host, ".") {
		c.fail(key, "%q ends with a dot; use domain: %s", raw, strings.TrimSuffix(host, "."))
		return ""
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		c.fail(key, "%q is an IP address; a tenant is a Freshservice account: use its host name, %s "+
			"(an emulator or test server is reached through api_url, with serve --allow-api-url)", raw, example)
		return ""
	}
	if !isHostName(host) {
		c.fail(key, "%q is not a host name; use the account's host name, %s", raw, example)
		return ""
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		c.fail(key, "%q is this machine, not a Freshservice account; use the account's host name, %s "+
			"(an emulator on this machine is reached through api_url, with serve --allow-api-url)", raw, example)
		return ""
	}
	if !strings.Contains(host, ".") {
		c.fail(key, "%q is a single name; use the account's full host name, domain: %s.%s", raw, host, FreshserviceSuffix)
		return ""
	}
	if _, suffix, ok := c.opts.accountOf(host); !ok {
		if suffix != "" {
			c.fail(key, "%q has more than one name before %s; use <account>.%s, the host name of the "+
				"account's Freshservice address, %s", raw, suffix, suffix, example)
			return ""
		}
		c.fail(key, "%q is not a Freshservice account's host name; use <account>.%s, %s "+
			"(this server accepts domains ending in %s; --allowed-domain-suffixes adds others)",
			raw, FreshserviceSuffix, example, strings.Join(c.opts.suffixes(), ", "))
		return ""
	}
	return host
}

func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !reHostLabel.MatchString(label) {
			return false
		}
	}
	return true
}

func (c *fileChecker) apiURL(raw, domain string) string {
	const key = "api_url"
	if raw == "" {
		return ""
	}
	if !c.opts.AllowAPIURL {
		if domain == "" {
			domain = "<domain>"
		}
		// The value is not repeated: it may hold credentials.
		c.fail(key, "is set, but this fsscim does not follow api_url: remove it, and fsscim calls "+
			"https://%s/api/v2; api_url is for an emulator or test server, and needs serve --allow-api-url "+
			"(FSSCIM_ALLOW_API_URL=true)", domain)
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		c.fail(key, "%q is not an absolute URL; use e.g. api_url: https://acme.freshservice.com/api/v2, "+
			"or leave it empty", raw)
		return ""
	}
	if u.User != nil {
		// The value is not repeated: it holds credentials.
		c.fail(key, "must not hold a user name or password (the API key travels in the token); "+
			"remove the part before '@'")
		return ""
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		c.fail(key, "%q must not have a query or fragment; use %s://%s%s", raw, u.Scheme, u.Host, u.Path)
		return ""
	}
	if why := egress.ForbiddenHost(u.Hostname()); why != "" {
		c.fail(key, "%q points at %s, which is never Freshservice and can hand out this machine's cloud "+
			"credentials; point api_url at the emulator or test server, or remove it", raw, why)
		return ""
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			c.fail(key, "%q uses plain http to a host that is not loopback; use https://%s%s "+
				"(http is allowed only to 127.0.0.1, ::1 or localhost)", raw, u.Host, u.Path)
			return ""
		}
	default:
		c.fail(key, "%q: scheme %q is not allowed; use https://%s%s", raw, u.Scheme, u.Host, u.Path)
		return ""
	}
	return strings.TrimRight(raw, "/")
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// oneOf checks an enumerated value (already defaulted when absent).
func (c *fileChecker) oneOf(key, value string, allowed ...string) string {
	for _, a := range allowed {
		if value == a {
			return value
		}
	}
	c.fail(key, "%q is not allowed; use %s", value, orList(allowed))
	return value
}

func orList(items []string) string {
	switch len(items) {
	case 1:
		return items[0]
	case 2:
		return items[0] + " or " + items[1]
	default:
		return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
	}
}

func (c *fileChecker) roles(roles []AgentRole) []AgentRole {
	scopes := []string{ScopeEntireHelpdesk, ScopeMemberGroups, ScopeSpecifiedGroups, ScopeAssignedItems}
	for i, r := range roles {
		at := "users.agent_defaults.roles[" + strconv.Itoa(i) + "]"
		if r.RoleID <= 0 {
			c.fail(at+".role_id", "missing or not positive; set the id of a Freshservice agent role "+
				"(listed by GET /api/v2/roles)")
		}
		if r.AssignmentScope == "" {
			c.fail(at+".assignment_scope", "missing; use %s", orList(scopes))
		} else {
			c.oneOf(at+".assignment_scope", r.AssignmentScope, scopes...)
		}
		switch {
		case r.AssignmentScope == ScopeSpecifiedGroups && len(r.Groups) == 0:
			c.fail(at+".groups", "assignment_scope specified_groups needs the agent group ids; "+
				"list them, e.g. groups: [12, 15]")
		case r.AssignmentScope != ScopeSpecifiedGroups && len(r.Groups) > 0:
			c.fail(at+".groups", "only used with assignment_scope specified_groups; "+
				"remove groups or change the scope")
		}
		for j, g := range r.Groups {
			if g <= 0 {
				c.fail(at+".groups["+strconv.Itoa(j)+"]", "%d is not a group id; use the positive id of an agent group", g)
			}
		}
	}
	return roles
}

func (c *fileChecker) attributes(attrs map[string]string) map[string]string {
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	sort.Strings(names)

	seenName := map[string]string{}  // lower-cased attribute name -> name as written
	seenField := map[string]string{} // custom field -> attribute name
	for _, name := range names {
		field := attrs[name]
		key := "attributes." + name
		switch {
		case !reAttributeName.MatchString(name):
			c.fail(key, "%q is not a SCIM attribute name; start with a letter and use only letters, digits, _ and -", name)
		case isBuiltinAttribute(name):
			c.fail(key, "%s is built in and cannot be a custom field; remove it from attributes", name)
		case seenName[strings.ToLower(name)] != "":
			c.fail(key, "same name as attributes.%s (attribute names are case-insensitive); keep one",
				seenName[strings.ToLower(name)])
		default:
			seenName[strings.ToLower(name)] = name
		}
		switch {
		case field == "":
			c.fail(key, "missing the Freshservice custom field name; write e.g. %s: %s", name, suggestField(name))
		case !reCustomField.MatchString(field):
			c.fail(key, "%q is not a Freshservice custom field name (lower-case letters, digits and _); "+
				"use the field's name from Admin > User Fields, e.g. %s", field, suggestField(field))
		case seenField[field] != "":
			c.fail(key, "custom field %s is already mapped by attributes.%s; map each custom field once",
				field, seenField[field])
		default:
			seenField[field] = name
		}
	}
	return attrs
}

func isBuiltinAttribute(name string) bool {
	for _, b := range builtinAttributes {
		if strings.EqualFold(name, b) {
			return true
		}
	}
	return false
}

// suggestField turns a label such as "Cost Center" into the shape Freshservice gives field names.
func suggestField(s string) string {
	f := strings.Trim(reNotFieldChar.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if f == "" {
		return "cost_center"
	}
	return f
}

func (c *fileChecker) notBefore(raw string) time.Time {
	if raw == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		c.fail("tokens_not_before", "%q is not an RFC 3339 time; write e.g. tokens_not_before: 2025-01-31T09:00:00Z", raw)
		return time.Time{}
	}
	return t
}

// staleness reads a duration such as 15m or 2h, within the bounds a replica refresh can keep.
func (c *fileChecker) staleness(key, raw string) time.Duration {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "0" {
		return 0
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		c.fail(key, "%q is not a duration; use e.g. 15m or 2h, or leave it out to let fsscim choose", raw)
		return 0
	}
	if d < MinDirectoryStaleness || d > MaxDirectoryStaleness {
		c.fail(key, "%s is outside %s to %s; leave it out to let fsscim choose", d, MinDirectoryStaleness, MaxDirectoryStaleness)
		return 0
	}
	return d
}

// auditRetention reads how long the tenant's audit entries are kept, e.g. 90d.
func (c *fileChecker) auditRetention(key, raw string) time.Duration {
	if strings.TrimSpace(raw) == "" {
		return 0
	}
	d, err := ParseAuditRetention(raw)
	if err != nil {
		c.fail(key, "%v; write e.g. retention: 90d, or leave it out for the server's --audit-retention", err)
		return 0
	}
	return d
}

func (c *fileChecker) notNegative(key string, n int) {
	if n < 0 {
		c.fail(key, "%d is not allowed; use 0 to learn the limit from Freshservice's headers, "+
			"or a positive number of calls per minute", n)
	}
}
