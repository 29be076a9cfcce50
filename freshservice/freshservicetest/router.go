package freshservicetest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// handlerFunc serves one route with Emulator.mu held.
type handlerFunc func(e *Emulator, q *request) response

// request is what a handler needs from an incoming call.
type request struct {
	r    *http.Request
	ids  []int64 // the numeric path segments, in order
	raw  []byte  // request body
	key  apiKey  // the authenticated key
	base string  // scheme://host, for Location and Link headers
}

func (q *request) id(i int) int64 { return q.ids[i] }

// route is one endpoint; "{id}" in a pattern matches a positive integer.
type route struct {
	method  string
	pattern []string
	admin   bool // answers 403 to a non-admin key
	handle  handlerFunc
}

const apiPrefix = "/api/v2/"

func routes() []route {
	r := newRoute
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	table := []route{
		r(get, "requesters", false, (*Emulator).listRequesters),
		r(put, "requesters/{id}/convert_to_agent", true, (*Emulator).convertToAgent),

		r(get, "agents/me", false, (*Emulator).getMe),
		r(get, "agents", true, (*Emulator).listAgents),
		r(put, "agents/{id}/convert_to_requester", true, (*Emulator).convertToRequester),

		r(get, "roles", true, (*Emulator).listRoles),
		r(get, "roles/{id}", true, (*Emulator).getRole),

		r(get, "requester_groups/{id}/members", false, (*Emulator).listRequesterGroupMembers),
		r(post, "requester_groups/{id}/members/{id}", true, (*Emulator).addRequesterGroupMember),
		r(del, "requester_groups/{id}/members/{id}", true, (*Emulator).removeRequesterGroupMember),

		r(get, "requester_fields", false, (*Emulator).listRequesterFields),
		r(get, "agent_fields", true, (*Emulator).listAgentFields),
	}
	for _, c := range [][]route{requesterEndpoint.routes(), agentEndpoint.routes(), departments().routes(), locations().routes(), requesterGroups().routes(), agentGroups().routes()} {
		table = append(table, c...)
	}
	return table
}

func newRoute(method, pattern string, admin bool, h handlerFunc) route {
	return route{method: method, pattern: strings.Split(pattern, "/"), admin: admin, handle: h}
}

// match finds the route for method and path. With no route for the path it answers 404; with routes
// for the path but none for the method, 405 with an Allow header.
func match(table []route, method, path string) (route, []int64, *response) {
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		r := notFound()
		return route{}, nil, &r
	}
	segs := strings.Split(rest, "/")
	var allowed []string
	for _, rt := range table {
		ids, ok := matchPattern(rt.pattern, segs)
		if !ok {
			continue
		}
		// A literal segment beats {id}: "agents/me" is listed before "agents/{id}" and "me" is not
		// numeric, so the two never both match.
		if rt.method == method {
			return rt, ids, nil
		}
		if !slices.Contains(allowed, rt.method) {
			allowed = append(allowed, rt.method)
		}
	}
	if len(allowed) == 0 {
		r := notFound()
		return route{}, nil, &r
	}
	r := codeMessage(http.StatusMethodNotAllowed, "method_not_allowed", "The HTTP method is not allowed on this resource.")
	r.header.Set("Allow", strings.Join(allowed, ", "))
	return route{}, nil, &r
}

func matchPattern(pattern, segs []string) ([]int64, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var ids []int64
	for i, p := range pattern {
		if p != "{id}" {
			if p != segs[i] {
				return nil, false
			}
			continue
		}
		id, err := strconv.ParseInt(segs[i], 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}
