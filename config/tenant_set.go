package config

import (
	"sort"
	"strings"
)

// TenantSet is an immutable snapshot of the tenants served at one moment. A reload builds a new set;
// readers holding an old one keep a consistent view.
type TenantSet struct {
	byDomain map[string]*Tenant
	all      []*Tenant // sorted by domain
}

func newTenantSet(tenants []*Tenant) *TenantSet {
	s := &TenantSet{byDomain: make(map[string]*Tenant, len(tenants))}
	for _, t := range tenants {
		s.byDomain[t.Domain] = t
		s.all = append(s.all, t)
	}
	sort.Slice(s.all, func(i, j int) bool { return s.all[i].Domain < s.all[j].Domain })
	return s
}

// Lookup finds a tenant by domain, ignoring case. A nil set holds no tenant.
func (s *TenantSet) Lookup(domain string) (*Tenant, bool) {
	if s == nil {
		return nil, false
	}
	t, ok := s.byDomain[strings.ToLower(domain)]
	return t, ok
}

// All lists the tenants sorted by domain. The slice is the caller's; the tenants are shared.
func (s *TenantSet) All() []*Tenant {
	if s == nil {
		return nil
	}
	return append([]*Tenant(nil), s.all...)
}

// Len is the number of tenants.
func (s *TenantSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.all)
}
