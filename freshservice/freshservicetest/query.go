package freshservicetest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter queries (GET /requesters?query="..." and GET /agents?query="..."), as Freshservice serves
// them: an expression in double quotes of at most 512 characters, field:'text', field:number,
// date fields compared with :> (on or after the day) and :< (on or before), null, AND and OR with
// parentheses; answered 30 a page sorted by created_at newest first, pages 1 to 40, with no Link
// header (a client reads pages until one comes back short). Changes reach the search index after
// Options.QueryLag: a user changed more recently than that is not found yet.

const (
	queryPageSize = 30
	queryMaxPage  = 40
	queryMaxLen   = 512
)

// queryField is how a query field reads a user.
type queryField struct {
	text func(*userRecord) string  // text fields
	ids  func(*userRecord) []int64 // id fields (one or, for departments, several)
	date func(*userRecord) time.Time
}

func queryFields(agent bool) map[string]queryField {
	text := func(f func(*userRecord) string) queryField { return queryField{text: f} }
	id := func(f func(*userRecord) int64) queryField {
		return queryField{ids: func(u *userRecord) []int64 {
			if v := f(u); v != 0 {
				return []int64{v}
			}
			return nil
		}}
	}
	m := map[string]queryField{
		"first_name":           text(func(u *userRecord) string { return u.firstName }),
		"last_name":            text(func(u *userRecord) string { return u.lastName }),
		"name":                 text(func(u *userRecord) string { return strings.TrimSpace(u.firstName + " " + u.lastName) }),
		"job_title":            text(func(u *userRecord) string { return u.jobTitle }),
		"work_phone_number":    text(func(u *userRecord) string { return u.workPhone }),
		"mobile_phone_number":  text(func(u *userRecord) string { return u.mobilePhone }),
		"time_zone":            text(func(u *userRecord) string { return u.timeZone }),
		"language":             text(func(u *userRecord) string { return u.lang }),
		"department_id":        {ids: func(u *userRecord) []int64 { return u.departmentIDs }},
		"reporting_manager_id": id(func(u *userRecord) int64 { return u.managerID }),
		"location_id":          id(func(u *userRecord) int64 { return u.locationID }),
		"created_at":           {date: func(u *userRecord) time.Time { return u.createdAt }},
		"updated_at":           {date: func(u *userRecord) time.Time { return u.updatedAt }},
	}
	if agent {
		m["email"] = text(func(u *userRecord) string { return u.email })
	} else {
		m["primary_email"] = text(func(u *userRecord) string { return u.email })
	}
	return m
}

// userQuery is a parsed query: a predicate on users.
type userQuery func(*userRecord) bool

// parseUserQuery reads the query parameter (with its surrounding double quotes); a bad one is the
// 400 Freshservice answers.
func parseUserQuery(raw string, agent bool) (userQuery, *response) {
	bad := func(message string) (userQuery, *response) {
		r := badRequest(fieldError{Field: "query", Message: message, Code: codeInvalidValue})
		return nil, &r
	}
	if len(raw) > queryMaxLen+2 {
		return bad("It should have at most 512 characters")
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return bad("It should be enclosed in double quotes")
	}
	p := &queryParser{src: raw[1 : len(raw)-1], fields: queryFields(agent)}
	q, field, msg := p.or()
	p.space()
	if msg == "" && p.pos < len(p.src) {
		msg = "unexpected text at " + strconv.Itoa(p.pos)
	}
	if field != "" {
		r := badRequest(fieldError{Field: field, Message: "[:invalid_field]", Code: codeInvalidValue})
		return nil, &r
	}
	if msg != "" {
		return bad(msg)
	}
	return q, nil
}

type queryParser struct {
	src    string
	pos    int
	fields map[string]queryField
}

func (p *queryParser) space() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

func (p *queryParser) word(w string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], w) {
		p.pos += len(w)
		return true
	}
	return false
}

// or reads terms joined by AND and OR (AND binding tighter). It returns the predicate, or an unknown
// field's name, or a message.
func (p *queryParser) or() (userQuery, string, string) {
	return p.joined("OR", p.and, func(l, r userQuery) userQuery {
		return func(u *userRecord) bool { return l(u) || r(u) }
	})
}

func (p *queryParser) and() (userQuery, string, string) {
	return p.joined("AND", p.term, func(l, r userQuery) userQuery {
		return func(u *userRecord) bool { return l(u) && r(u) }
	})
}

// joined reads operands read by next, separated by the word op, folding them left to right with
// join; it stops at the first unknown field or message.
func (p *queryParser) joined(op string, next func() (userQuery, string, string), join func(l, r userQuery) userQuery) (userQuery, string, string) {
	left, field, msg := next()
	for field == "" && msg == "" && p.word(op) {
		var right userQuery
		if right, field, msg = next(); field == "" && msg == "" {
			left = join(left, right)
		}
	}
	return left, field, msg
}

func (p *queryParser) term() (userQuery, string, string) {
	if p.word("(") {
		q, field, msg := p.or()
		if field != "" || msg != "" {
			return nil, field, msg
		}
		if !p.word(")") {
			return nil, "", "a parenthesis is not closed"
		}
		return q, "", ""
	}
	p.space()
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == '_' || p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z') {
		p.pos++
	}
	name := p.src[start:p.pos]
	f, ok := p.fields[name]
	if !ok {
		if name == "" {
			return nil, "", "a field name is missing"
		}
		return nil, name, ""
	}
	if !p.word(":") {
		return nil, "", "a colon must follow " + name
	}
	cmp := byte(0)
	if p.pos < len(p.src) && (p.src[p.pos] == '>' || p.src[p.pos] == '<') {
		cmp = p.src[p.pos]
		p.pos++
	}
	value, isNull, ok := p.value()
	if !ok {
		return nil, "", "a value must follow " + name
	}
	switch {
	case f.date != nil:
		if isNull {
			return func(u *userRecord) bool { return f.date(u).IsZero() }, "", ""
		}
		day, err := time.Parse("2006-01-02", value)
		if err != nil {
			return nil, "", name + " takes a date like '2025-01-31'"
		}
		return func(u *userRecord) bool {
			d := f.date(u).UTC().Truncate(24 * time.Hour)
			switch cmp {
			case '>':
				return !d.Before(day)
			case '<':
				return !d.After(day)
			}
			return d.Equal(day)
		}, "", ""
	case f.ids != nil:
		if cmp != 0 {
			return nil, "", name + " compares with : only"
		}
		if isNull {
			return func(u *userRecord) bool { return len(f.ids(u)) == 0 }, "", ""
		}
		want, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return nil, "", name + " takes a number"
		}
		return func(u *userRecord) bool { return slices.Contains(f.ids(u), want) }, "", ""
	}
	if cmp != 0 {
		return nil, "", name + " compares with : only"
	}
	if isNull {
		return func(u *userRecord) bool { return f.text(u) == "" }, "", ""
	}
	return func(u *userRecord) bool { return strings.EqualFold(f.text(u), value) }, "", ""
}

// value reads 'text' (with \' for a quote), a number or null.
func (p *queryParser) value() (string, bool, bool) {
	if p.pos >= len(p.src) {
		return "", false, false
	}
	if p.src[p.pos] == '\'' {
		var b strings.Builder
		for i := p.pos + 1; i < len(p.src); i++ {
			switch c := p.src[i]; {
			case c == '\\' && i+1 < len(p.src):
				b.WriteByte(p.src[i+1])
				i++
			case c == '\'':
				p.pos = i + 1
				return b.String(), false, true
			default:
				b.WriteByte(c)
			}
		}
		return "", false, false
	}
	if strings.HasPrefix(p.src[p.pos:], "null") {
		p.pos += 4
		return "", true, true
	}
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] >= '0' && p.src[p.pos] <= '9' || p.src[p.pos] == '-') {
		p.pos++
	}
	return p.src[start:p.pos], false, p.pos > start
}

// queryUsers answers a filter query over the users that pass keep.
func (e *Emulator) queryUsers(q *request, key string, agent bool, keep func(*userRecord) bool, render func(*userRecord) map[string]any) response {
	vals := q.r.URL.Query()
	match, bad := parseUserQuery(vals.Get("query"), agent)
	if bad != nil {
		return *bad
	}
	pageNo := 1
	if v := vals.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return badRequest(*invalidValue("page", "It should be a/an Positive Integer"))
		}
		pageNo = n
	}
	if pageNo > queryMaxPage {
		return badRequest(*invalidValue("page", "It should be less than or equal to 40"))
	}
	indexed := e.now().Add(-e.opts.QueryLag)
	var hits []*userRecord
	for _, u := range e.st.users {
		if !keep(u) || u.updatedAt.After(indexed) || u.createdAt.After(indexed) || !match(u) {
			continue
		}
		hits = append(hits, u)
	}
	slices.SortFunc(hits, func(a, b *userRecord) int {
		if c := b.createdAt.Compare(a.createdAt); c != 0 {
			return c
		}
		return int(b.id - a.id)
	})
	start := min((pageNo-1)*queryPageSize, len(hits))
	end := min(start+queryPageSize, len(hits))
	out := make([]map[string]any, 0, end-start)
	for _, u := range hits[start:end] {
		out = append(out, render(u))
	}
	return jsonResponse(http.StatusOK, map[string]any{key: out})
}
