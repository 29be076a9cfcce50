package proxy

import (
	"net/http"
	"strings"
)

// Limits on what one request may ask for, checked on the decoded body before anything parses a
// SCIM path: the path parser allocates heavily, and a 1 MB PATCH of 15,000 operations would hold a
// CPU for seconds, slowing every other tenant. Entra changes one user's attributes in a handful of
// operations and adds group members in batches far below these.
const (
	// maxPatchOperations is the most operations one PATCH may carry.
	maxPatchOperations = 1000
	// maxAttributeValues is the most values one multi-valued attribute (members, emails, ...) may
	// carry in one request, in a PATCH operation's value or a POST or PUT body.
	maxAttributeValues = 1000
)

// checkBodySize refuses a body that carries more PATCH operations, or more values in one list, than
// fsscim takes in a request. The answer is 413, as RFC 7644 §3.7.4 has a service provider answer a
// bulk request over its operation limit: none of the scimType keywords of §3.12 fits (tooMany is
// about a filter's results), and the detail names the limit.
func checkBodySize(body map[string]any) error {
	for k, v := range body {
		if list, ok := v.([]any); ok && strings.EqualFold(k, "Operations") {
			if err := checkList(list, maxPatchOperations,
				"The request has %d operations; fsscim takes at most %d operations in one PATCH. Send them in several requests."); err != nil {
				return err
			}
			continue
		}
		if err := checkValues(v); err != nil {
			return err
		}
	}
	return nil
}

// checkValues refuses a list of more than maxAttributeValues anywhere in v.
func checkValues(v any) error {
	switch v := v.(type) {
	case []any:
		return checkList(v, maxAttributeValues,
			"The request has a list of %d values; fsscim takes at most %d values of one attribute (such as a group's members) in one request. Send them in several requests.")
	case map[string]any:
		for _, item := range v {
			if err := checkValues(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkList refuses a list of more than limit entries, tooMany saying so with the list's length and
// the limit, and any entry holding too long a list itself.
func checkList(list []any, limit int, tooMany string) error {
	if len(list) > limit {
		return scimError(http.StatusRequestEntityTooLarge, "", tooMany, len(list), limit)
	}
	for _, item := range list {
		if err := checkValues(item); err != nil {
			return err
		}
	}
	return nil
}
