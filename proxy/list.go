package proxy

import (
	"encoding/json"
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
}

// parseListQuery reads startIndex, count and filter of a list request. Paging values must be whole
// numbers; startIndex below 1 means 1, count is cut to maxResults and a negative one means 0, as RFC
// 7644 §3.4.2.4 says.
func parseListQuery(r *http.Request) (listQuery, error) {
	q := r.URL.Query()
	lq := listQuery{filter: strings.TrimSpace(q.Get("filter")), startIndex: 1, count: maxResults}
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
	return lq.clamped(), nil
}

func (lq listQuery) clamped() listQuery {
	lq.startIndex = max(lq.startIndex, 1)
	lq.count = min(max(lq.count, 0), maxResults)
	return lq
}

// schemaSearchRequest is the message schema of a POST /.search body.
const schemaSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// parseSearch reads a POST /.search body (RFC 7644 §3.4.3): the query and the projection it asks for.
// sortBy and sortOrder are not supported (the ServiceProviderConfig says so) and are ignored.
func parseSearch(r *http.Request) (listQuery, projection, error) {
	body, err := readJSONBody(r)
	if err != nil {
		return listQuery{}, projection{}, err
	}
	invalid := func(format string, args ...any) (listQuery, projection, error) {
		return listQuery{}, projection{}, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, format, args...)
	}
	lq := listQuery{startIndex: 1, count: maxResults}
	var proj projection
	hasSchema := false
	for key, v := range body {
		switch strings.ToLower(key) {
		case "schemas":
			list, _ := v.([]any)
			for _, s := range list {
				if str, ok := s.(string); ok && strings.EqualFold(str, schemaSearchRequest) {
					hasSchema = true
				}
			}
		case "filter":
			s, ok := v.(string)
			if !ok && v != nil {
				return invalid("filter must be a string.")
			}
			lq.filter = strings.TrimSpace(s)
		case "startindex", "count":
			n, ok := v.(json.Number)
			i, err := n.Int64()
			if !ok || err != nil {
				return invalid("%s must be a whole number.", key)
			}
			if strings.EqualFold(key, "count") {
				lq.count = int(min(max(i, -1), maxResults))
			} else {
				lq.startIndex = int(min(max(i, 0), 1<<30))
			}
		case "attributes", "excludedattributes":
			paths, ok := stringList(v)
			if !ok {
				return invalid("%s must be an array of attribute paths.", key)
			}
			if strings.EqualFold(key, "attributes") {
				proj.attributes = paths
			} else {
				proj.excluded = paths
			}
		}
	}
	if !hasSchema {
		return listQuery{}, projection{}, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax,
			"A search request's schemas must be [%q].", schemaSearchRequest)
	}
	return lq.clamped(), proj, nil
}

// stringList reads an array of strings (or one comma-separated string).
func stringList(v any) ([]string, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		return splitPaths(x), true
	case []any:
		var out []string
		for _, el := range x {
			s, ok := el.(string)
			if !ok {
				return nil, false
			}
			out = append(out, splitPaths(s)...)
		}
		return out, true
	}
	return nil, false
}
