package provision

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	scimerrors "github.com/elimity-com/scim/errors"
)

// Resource is a user or group as the HTTP surface answers it: the SCIM attributes fsscim maps, its
// SCIM id and externalId, and when Freshservice made and last changed it (zero when unknown).
type Resource struct {
	ID           string
	ExternalID   string
	Attributes   map[string]any
	Created      time.Time
	LastModified time.Time
}

// Page is one page of a list: the resources on it and how many match in all.
type Page struct {
	Total     int
	Resources []Resource
}

// pageOf cuts the page [start, start+count) (start 1-based, as SCIM's startIndex) out of n items.
func pageOf(n, startIndex, count int) (from, to int) {
	from = min(max(startIndex-1, 0), n)
	to = min(from+max(count, 0), n)
	return from, to
}

// problem is a SCIM error value (the HTTP surface writes it as it is).
func problem(status int, scimType scimerrors.ScimType, format string, args ...any) scimerrors.ScimError {
	return scimerrors.ScimError{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// parseID reads a SCIM id: a positive Freshservice id.
func parseID(id string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	return n, err == nil && n > 0
}

// quoteID keeps an id from the URL printable and short before it is echoed in an error.
func quoteID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return strconv.Quote(id)
}

func userNotFound(id string) scimerrors.ScimError {
	return problem(http.StatusNotFound, "", "User %s not found.", quoteID(id))
}

func groupNotFound(id string) scimerrors.ScimError {
	return problem(http.StatusNotFound, "", "Group %s not found.", quoteID(id))
}
