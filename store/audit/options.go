package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options are what every Log implementation takes.
type Options struct {
	// Retention is how long the tenant's entries are kept (the tenant file's, else the server's);
	// nil or a result <= 0: DefaultRetention.
	Retention func(tenant string) time.Duration
	// Now is the clock that ages entries; default time.Now.
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
}

// retention is the tenant's retention, defaulted.
func (o *Options) retention(tenant string) time.Duration {
	if o.Retention != nil {
		if d := o.Retention(tenant); d > 0 {
			return d
		}
	}
	return DefaultRetention
}

// cutoff is the oldest time an entry of tenant may carry and still be kept.
func (o *Options) cutoff(tenant string) time.Time {
	return o.Now().Add(-o.retention(tenant))
}

// normalTenant is the tenant as keys hold it: lower case, no surrounding space.
func normalTenant(tenant string) (string, error) {
	t := strings.ToLower(strings.TrimSpace(tenant))
	if t == "" {
		return "", errors.New("the tenant is empty")
	}
	if strings.ContainsAny(t, "{}\x00") {
		return "", fmt.Errorf("tenant %q holds a brace or a zero byte", tenant)
	}
	return t, nil
}

// prepare checks and completes an entry before it is stored.
func (o *Options) prepare(e Entry) (Entry, error) {
	t, err := normalTenant(e.Tenant)
	if err != nil {
		return Entry{}, fmt.Errorf("append audit entry: %w", err)
	}
	e.Tenant = t
	if e.At.IsZero() {
		e.At = o.Now()
	}
	e.At = e.At.UTC()
	return e, nil
}

// subjects are the lower-cased names an entry is found by with Query.User.
func subjects(e Entry) []string {
	var out []string
	if e.Email != "" {
		out = append(out, strings.ToLower(e.Email))
	}
	if e.Kind == "group" && e.Name != "" {
		if n := strings.ToLower(e.Name); len(out) == 0 || out[0] != n {
			out = append(out, n)
		}
	}
	return out
}

// ids are the ids an entry is found by with Query.ID.
func ids(e Entry) []int64 {
	var out []int64
	if e.ID > 0 {
		out = append(out, e.ID)
	}
	if e.MemberID > 0 && e.MemberID != e.ID {
		out = append(out, e.MemberID)
	}
	return out
}

// plan is a query made ready to run: its tenant normalised, its oldest time including the
// retention, its limit bounded.
type plan struct {
	tenant string
	user   string // lower-cased
	id     int64
	oldest time.Time
	limit  int
}

func (o *Options) plan(q Query) (plan, error) {
	t, err := normalTenant(q.Tenant)
	if err != nil {
		return plan{}, fmt.Errorf("find audit entries: %w", err)
	}
	p := plan{tenant: t, user: strings.ToLower(strings.TrimSpace(q.User)), id: q.ID, oldest: o.cutoff(t), limit: q.Limit}
	if q.Since.After(p.oldest) {
		p.oldest = q.Since
	}
	switch {
	case p.limit <= 0:
		p.limit = DefaultLimit
	case p.limit > MaxLimit:
		p.limit = MaxLimit
	}
	return p, nil
}

// matches reports whether an entry read through an index (or the whole trail) answers the plan.
func (p plan) matches(e Entry) bool {
	if e.At.Before(p.oldest) {
		return false
	}
	if p.user != "" && !slices.Contains(subjects(e), p.user) {
		return false
	}
	if p.id != 0 && !slices.Contains(ids(e), p.id) {
		return false
	}
	return true
}
