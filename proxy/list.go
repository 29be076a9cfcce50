package proxy

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
)

// listQuery is what a list request asks for besides its filter (RFC 7644 §3.4.2).
type listQuery struct {
	filter     string
	startIndex int // 1-based
	count      int
	// excludeMembers: the caller asked for groups without members. Entra does on every group lookup,
	// and answering members there breaks it.
	excludeMembers bool
}

// parseListQuery reads startIndex, count, filter and the member exclusion of a list request. Paging
// values must be whole numbers; startIndex below 1 means 1, count is cut to maxResults and a negative
// one means 0, as RFC 7644 §3.4.2.4 says.
func parseListQuery(r *http.Request) (listQuery, error) {
	q := r.URL.Query()
	lq := listQuery{filter: strings.TrimSpace(q.Get("filter")), startIndex: 1, count: maxResults, excludeMembers: excludesMembers(r)}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"startIndex", &lq.startIndex}, {"count", &lq.count}} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return listQuery{}, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "%s must be a whole number.", p.name)
		}
		*p.dst = n
	}
	lq.startIndex = max(lq.startIndex, 1)
	lq.count = min(max(lq.count, 0), maxResults)
	return lq, nil
}

// excludesMembers reports whether the caller asked for groups without members.
func excludesMembers(r *http.Request) bool {
	q := r.URL.Query()
	for _, name := range strings.Split(q.Get("excludedAttributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(name), "members") {
			return true
		}
	}
	if a := q.Get("attributes"); a != "" {
		for _, name := range strings.Split(a, ",") {
			if strings.EqualFold(strings.TrimSpace(name), "members") {
				return false
			}
		}
		return true
	}
	return false
}

// asFilterError keeps a SCIM error as it is and makes anything else a 400 invalidFilter.
func asFilterError(err error) error {
	var se scimerrors.ScimError
	if errors.As(err, &se) {
		return se
	}
	return scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidFilter, "%s", err.Error())
}
