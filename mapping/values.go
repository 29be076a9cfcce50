package mapping

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
)

// Lookup finds an attribute of a JSON object by name. SCIM attribute names are case-insensitive
// (RFC 7643 §2.1), so any spelling matches; the exact spelling is tried first.
func Lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// ParseBoolean reads a boolean written as text: "true" or "false" in any case, white space around it
// ignored. It is fsscim's one rule for booleans sent as strings: Entra's default mapping sends
// "True"/"False", an admin's own expression or constant "true"/"false". Nothing else ("1", "yes", "t")
// is a boolean.
func ParseBoolean(s string) (value, ok bool) {
	switch t := strings.TrimSpace(s); {
	case strings.EqualFold(t, "true"):
		return true, true
	case strings.EqualFold(t, "false"):
		return false, true
	}
	return false, false
}

// readString reads a string attribute: a JSON string, or null for no value.
func readString(attr string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	}
	return "", wrongValue(attr, v, "a string")
}

// readBoolean reads a boolean attribute: a JSON boolean. present is false for null.
func readBoolean(attr string, v any) (b, present bool, err error) {
	switch x := v.(type) {
	case nil:
		return false, false, nil
	case bool:
		return x, true, nil
	}
	return false, false, wrongValue(attr, v, "a boolean")
}

// readAgentFlag reads the Freshservice extension's isAgent, a string attribute whose values are "true"
// and "false" (any case), and returns the text as sent. present is false for null and "".
func readAgentFlag(attr string, v any) (agent, present bool, text string, err error) {
	if v == nil {
		return false, false, "", nil
	}
	if s, ok := v.(string); ok {
		if strings.TrimSpace(s) == "" {
			// An empty string is no value, like null: the user stays what it is.
			return false, false, "", nil
		}
		if b, ok := ParseBoolean(s); ok {
			return b, true, s, nil
		}
	}
	return false, false, "", wrongValue(attr, v, `"true" or "false"`)
}

// AgentAnswer is the isAgent fsscim answers for u: the text the client sent while it says what
// IsAgent says, else "true" or "false"; "" when IsAgent is not known.
func AgentAnswer(u User) string {
	if u.IsAgent == nil {
		return ""
	}
	if b, ok := ParseBoolean(u.AgentText); ok && b == *u.IsAgent {
		return u.AgentText
	}
	return strconv.FormatBool(*u.IsAgent)
}

// readManager reads the enterprise manager, a complex attribute whose value sub-attribute is the
// manager's SCIM id: null, {"value": ""} clear it. named is false for an object without a value, which
// names no manager at all.
func readManager(attr string, v any) (id string, named bool, err error) {
	switch x := v.(type) {
	case nil:
		return "", true, nil
	case map[string]any:
		inner, found := Lookup(x, "value")
		if !found {
			return "", false, nil
		}
		s, err := readString(attr+".value", inner)
		return s, err == nil, err
	}
	return "", false, wrongValue(attr, v, `an object {"value": id}`)
}

// objectList reads a multi-valued complex attribute: a list of objects (null elements skipped), or null
// for none.
func objectList(attr string, v any) ([]map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, wrongValue(attr, v, "a list of objects")
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		if item == nil {
			continue
		}
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, wrongValue(fmt.Sprintf("%s[%d]", attr, i), item, "an object")
		}
		out = append(out, obj)
	}
	return out, nil
}

// invalid is the SCIM 400 error of the given type. It is a value, not a pointer: callers compare and
// switch on values.
func invalid(typ scimerrors.ScimType, detail string) error {
	return scimerrors.ScimError{ScimType: typ, Detail: detail, Status: http.StatusBadRequest}
}

// wrongValue reports a value of the wrong type for an attribute, naming both so that the client's log
// says what to fix.
func wrongValue(attr string, v any, want string) error {
	return invalid(scimerrors.ScimTypeInvalidValue, fmt.Sprintf("attribute %s: value %s is not %s", patchShow(attr), patchShow(v), want))
}

// showLimit bounds how much of a sent value an error detail repeats.
const showLimit = 80

// patchShow renders a value for an error detail as JSON, cut at showLimit bytes on a character boundary.
func patchShow(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	s := fmt.Sprintf("(%T)", v)
	if err := enc.Encode(v); err == nil {
		s = strings.TrimSuffix(b.String(), "\n")
	}
	if len(s) > showLimit {
		cut := showLimit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// entry is one attribute of a JSON object.
type entry struct {
	key   string
	value any
}

// entries lists an object's attributes in key order, so that what is applied first, and the first
// error reported, do not depend on map iteration.
func entries(obj map[string]any) []entry {
	out := make([]entry, 0, len(obj))
	for k, v := range obj {
		out = append(out, entry{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// CarriesNothing reports values not worth reporting as ignored: null, and empty strings, lists and
// objects. The dialect and mapping both report what they ignore by this rule.
func CarriesNothing(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func sortedDistinct(items []string) []string {
	if len(items) == 0 {
		return nil
	}
	sort.Strings(items)
	out := items[:1]
	for _, s := range items[1:] {
		if s != out[len(out)-1] {
			out = append(out, s)
		}
	}
	return out
}
