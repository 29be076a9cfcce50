package mapping

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	scimerrors "github.com/elimity-com/scim/errors"
	filter "github.com/scim2/filter-parser/v2"
)

// Term is one condition of a lookup plan: Attr equals Value. For users Attr is "userName",
// "externalId", "id", "email" or "manager"; for groups "displayName", "externalId", "id" or
// "members".
type Term struct {
	Attr  string
	Value string
}

// Plan is what a user filter asks for: users matching every term. An empty Plan lists all users.
type Plan struct{ Terms []Term }

// GroupPlan is what a group filter asks for: groups matching every term. An empty GroupPlan lists
// all groups.
type GroupPlan struct{ Terms []Term }

// maxFilterLength bounds the filters fsscim parses; Entra's are a few hundred bytes at most.
const maxFilterLength = 8192

const userFilterForms = `userName eq "…", externalId eq "…", id eq "…", emails[type eq "work"].value eq "…", ` +
	`emails.value eq "…", emails eq "…" and manager eq "…", alone or joined with and`

const groupFilterForms = `displayName eq "…", externalId eq "…", id eq "…", members eq "…" and ` +
	`members.value eq "…", alone or joined with and`

// PlanUserFilter reads the raw filter query parameter of GET /Users. It accepts the forms Entra
// sends, including some outside RFC 7644's grammar that the SCIM library rejects: the
// emails[type eq "work"].value eq "x" match, and the manager check `id eq "1" and manager eq "2"`
// that mixes core and enterprise attributes. Attribute names and operators are case-insensitive;
// values are quoted strings (a bare number is taken as written). Anything else is a SCIM 400
// invalidFilter saying which forms work.
func PlanUserFilter(raw string) (Plan, error) {
	terms, err := planFilter(raw, userFilterTerm, userFilterForms)
	return Plan{Terms: terms}, err
}

// PlanGroupFilter reads the raw filter query parameter of GET /Groups, including Entra's
// membership check `id eq "g" and members eq "u"`.
func PlanGroupFilter(raw string) (GroupPlan, error) {
	terms, err := planFilter(raw, groupFilterTerm, groupFilterForms)
	return GroupPlan{Terms: terms}, err
}

// Matches reports whether u satisfies every term. userName and emails compare case-insensitively,
// as email addresses do; ids, external ids and manager ids exactly. The email term matches the work
// email, or the userName when the user holds no separate work email (Freshservice keeps one address
// only when both are the same).
func (p Plan) Matches(u User) bool {
	for _, t := range p.Terms {
		var ok bool
		switch t.Attr {
		case "userName":
			ok = strings.EqualFold(u.UserName, t.Value)
		case "externalId":
			ok = u.ExternalID == t.Value
		case "id":
			ok = u.ID == t.Value
		case "email":
			ok = strings.EqualFold(u.WorkEmail, t.Value) || u.WorkEmail == "" && strings.EqualFold(u.UserName, t.Value)
		case "manager":
			ok = u.ManagerID == t.Value
		}
		if !ok {
			return false
		}
	}
	return true
}

// Matches reports whether g satisfies every term. displayName compares case-insensitively (Entra's
// validator checks a different-case lookup), the others exactly; members matches when any member has
// the id.
func (p GroupPlan) Matches(g Group) bool {
	for _, t := range p.Terms {
		var ok bool
		switch t.Attr {
		case "displayName":
			ok = strings.EqualFold(g.DisplayName, t.Value)
		case "externalId":
			ok = g.ExternalID == t.Value
		case "id":
			ok = g.ID == t.Value
		case "members":
			for _, m := range g.Members {
				if m.Value == t.Value {
					ok = true
					break
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// filterTermFunc turns one comparison of a filter into a term, or explains why it cannot.
type filterTermFunc func(filter.Expression) (Term, string)

func planFilter(raw string, term filterTermFunc, forms string) ([]Term, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, nil
	}
	if len(s) > maxFilterLength {
		return nil, filterError(fmt.Sprintf("the filter is longer than %d bytes", maxFilterLength), forms)
	}
	if terms, ok := planFilterFast(s, term); ok {
		return terms, nil
	}
	expr, err := filter.ParseFilterNumber([]byte(s))
	if err != nil {
		rewritten, changed := filterRewriteValuePaths(s)
		if !changed {
			return nil, filterError("the filter does not parse", forms)
		}
		if expr, err = filter.ParseFilterNumber([]byte(rewritten)); err != nil {
			return nil, filterError("the filter does not parse", forms)
		}
	}
	var terms []Term
	if reason := filterCollect(expr, term, &terms); reason != "" {
		return nil, filterError(reason, forms)
	}
	return terms, nil
}

// filterCollect walks a conjunction of comparisons, adding a term for each.
func filterCollect(e filter.Expression, term filterTermFunc, terms *[]Term) string {
	switch x := e.(type) {
	case *filter.LogicalExpression:
		if x == nil {
			return "empty expression"
		}
		if !strings.EqualFold(string(x.Operator), string(filter.AND)) {
			return fmt.Sprintf("%q is not supported", strings.ToLower(string(x.Operator)))
		}
		if reason := filterCollect(x.Left, term, terms); reason != "" {
			return reason
		}
		return filterCollect(x.Right, term, terms)
	case *filter.NotExpression:
		return `"not" is not supported`
	case *filter.AttributeExpression, *filter.ValuePath:
		t, reason := term(e)
		if reason != "" {
			return reason
		}
		*terms = append(*terms, t)
		return ""
	}
	return "unsupported expression"
}

// filterEq reads an `attr eq "value"` comparison: the attribute path, and the value with its
// escapes decoded. A bare number is read as written, so an unquoted id still finds its user.
func filterEq(x *filter.AttributeExpression) (filter.AttributePath, string, string) {
	if x == nil {
		return filter.AttributePath{}, "", "empty expression"
	}
	if !strings.EqualFold(string(x.Operator), string(filter.EQ)) {
		return x.AttributePath, "", fmt.Sprintf("operator %q is not supported", strings.ToLower(string(x.Operator)))
	}
	if n, isNumber := x.CompareValue.(json.Number); isNumber {
		return x.AttributePath, n.String(), ""
	}
	v, ok := patchCompareString(x.CompareValue)
	if !ok {
		return x.AttributePath, "", "values must be quoted strings"
	}
	return x.AttributePath, v, ""
}

// filterAttr names an attribute path for matching: which schema it is in, its name and its
// sub-attribute, both lower-case. inCore says the path has no URN or the URN of the resource's core
// schema.
func filterAttr(p filter.AttributePath, core string) (uri string, inCore bool, name, sub string) {
	uri = p.URI()
	return uri, uri == "" || strings.EqualFold(uri, core),
		strings.ToLower(p.AttributeName), strings.ToLower(p.SubAttributeName())
}

func userFilterTerm(e filter.Expression) (Term, string) {
	if vp, ok := e.(*filter.ValuePath); ok {
		return userFilterValuePath(vp)
	}
	path, value, reason := filterEq(e.(*filter.AttributeExpression))
	if reason != "" {
		return Term{}, reason
	}
	uri, core, name, sub := filterAttr(path, SchemaUser)
	switch {
	case core && sub == "" && name == "username":
		return Term{"userName", value}, ""
	case core && sub == "" && name == "externalid":
		return Term{"externalId", value}, ""
	case core && sub == "" && name == "id":
		return Term{"id", value}, ""
	case core && name == "emails" && (sub == "" || sub == "value"):
		return Term{"email", value}, ""
	case (uri == "" || strings.EqualFold(uri, SchemaEnterprise)) && name == "manager" && (sub == "" || sub == "value"):
		// Entra's manager check names the attribute without its URN.
		return Term{"manager", value}, ""
	}
	return Term{}, fmt.Sprintf("attribute %s is not supported", patchShow(path.String()))
}

// userFilterValuePath reads emails[type eq "work" and value eq "x"], which is also what Entra's
// emails[type eq "work"].value eq "x" becomes.
func userFilterValuePath(vp *filter.ValuePath) (Term, string) {
	if vp == nil {
		return Term{}, "empty expression"
	}
	_, core, name, sub := filterAttr(vp.AttributePath, SchemaUser)
	if !core || name != "emails" || sub != "" {
		return Term{}, fmt.Sprintf("attribute %s is not supported", patchShow(vp.AttributePath.String()))
	}
	typ, value, ok := patchElementFilter(vp.ValueFilter, "value")
	switch {
	case !ok || value == "":
		return Term{}, `an emails filter must compare value with eq, optionally with type eq "work"`
	case typ != "" && !strings.EqualFold(typ, "work"):
		return Term{}, fmt.Sprintf("emails of type %s are not supported", patchShow(typ))
	}
	return Term{"email", value}, ""
}

func groupFilterTerm(e filter.Expression) (Term, string) {
	if vp, ok := e.(*filter.ValuePath); ok {
		if vp == nil {
			return Term{}, "empty expression"
		}
		_, core, name, sub := filterAttr(vp.AttributePath, SchemaGroup)
		value, ok := patchFilterValue(vp.ValueFilter)
		if !core || name != "members" || sub != "" || !ok {
			return Term{}, fmt.Sprintf("filter %s is not supported", patchShow(vp.String()))
		}
		return Term{"members", value}, ""
	}
	path, value, reason := filterEq(e.(*filter.AttributeExpression))
	if reason != "" {
		return Term{}, reason
	}
	_, core, name, sub := filterAttr(path, SchemaGroup)
	if core {
		switch {
		case sub == "" && name == "displayname":
			return Term{"displayName", value}, ""
		case sub == "" && name == "externalid":
			return Term{"externalId", value}, ""
		case sub == "" && name == "id":
			return Term{"id", value}, ""
		case name == "members" && (sub == "" || sub == "value"):
			return Term{"members", value}, ""
		}
	}
	return Term{}, fmt.Sprintf("attribute %s is not supported", patchShow(path.String()))
}

// filterError is the SCIM 400 invalidFilter answer, saying what went wrong and what works.
func filterError(reason, forms string) error {
	return scimerrors.ScimError{
		ScimType: scimerrors.ScimTypeInvalidFilter,
		Detail:   fmt.Sprintf("Unsupported filter: %s. Supported: %s.", reason, forms),
		Status:   http.StatusBadRequest,
	}
}

// filterRewriteValuePaths turns Entra's attr[filter].sub op value, which RFC 7644's grammar lacks, into
// the equivalent attr[filter and sub op value], which it has. Quoted strings are skipped, so a bracket
// inside a value is left alone. changed is false when there was nothing to rewrite.
func filterRewriteValuePaths(s string) (string, bool) {
	var b strings.Builder
	changed := false
	last := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = filterSkipString(s, i)
		case ']':
			end, clause, ok := filterSubComparison(s, i+1)
			if !ok {
				continue
			}
			b.WriteString(s[last:i])
			b.WriteString(" and ")
			b.WriteString(clause)
			b.WriteString("]")
			last, changed = end, true
			i = end - 1
		}
	}
	if !changed {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// filterSkipString returns the index of the quote closing the string that opens at i, or len(s) when
// the string is not closed.
func filterSkipString(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(s)
}

// filterSubComparison reads `.sub op value` starting at i (just after a closing bracket). It returns
// where it ends and the comparison as `sub op value`.
func filterSubComparison(s string, i int) (end int, clause string, ok bool) {
	if i >= len(s) || s[i] != '.' {
		return 0, "", false
	}
	j := i + 1
	for j < len(s) && (filterIsLetter(s[j]) || j > i+1 && filterIsNameChar(s[j])) {
		j++
	}
	if j == i+1 {
		return 0, "", false
	}
	sub := s[i+1 : j]
	k := filterSkipSpace(s, j)
	if k == j {
		return 0, "", false
	}
	opStart := k
	for k < len(s) && filterIsLetter(s[k]) {
		k++
	}
	if k == opStart {
		return 0, "", false
	}
	op := s[opStart:k]
	v := filterSkipSpace(s, k)
	if v == k || v >= len(s) {
		return 0, "", false
	}
	valueEnd := v
	if s[v] == '"' {
		valueEnd = filterSkipString(s, v) + 1
		if valueEnd > len(s) {
			return 0, "", false
		}
	} else {
		for valueEnd < len(s) && s[valueEnd] != ' ' && s[valueEnd] != ')' && s[valueEnd] != ']' {
			valueEnd++
		}
	}
	return valueEnd, sub + " " + op + " " + s[v:valueEnd], true
}

func filterSkipSpace(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

func filterIsLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func filterIsNameChar(c byte) bool {
	return filterIsLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$'
}
