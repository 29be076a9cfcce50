package mappingtest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// Freshservice stands in for what Freshservice does with a write: it stores the fields and resolves
// department and location names to ids and back.
type Freshservice struct {
	ids   map[string]int64
	names map[int64]string
}

// NewFreshservice returns a stand-in that knows no departments or locations yet.
func NewFreshservice() *Freshservice {
	return &Freshservice{ids: map[string]int64{}, names: map[int64]string{}}
}

func (s *Freshservice) id(name string) int64 {
	if id, ok := s.ids[name]; ok {
		return id
	}
	id := int64(9000 + len(s.ids))
	s.ids[name], s.names[id] = id, name
	return id
}

// Store applies a write to fu as Freshservice would, including the requester/agent conversion the
// proxy makes for isAgent (an agent is read back with email instead of primary_email).
func (s *Freshservice) Store(tb testing.TB, fu *freshservice.User, u mapping.User, set mapping.FieldSet, f freshservice.UserFields, needs mapping.Needs) {
	tb.Helper()
	if needs.SetDepartment {
		ids := []int64{}
		if needs.Department != "" {
			ids = append(ids, s.id("dept:"+needs.Department))
		}
		f.DepartmentIDs = &ids
	}
	if needs.SetLocation {
		var id freshservice.ID
		if needs.Location != "" {
			id = freshservice.ID(s.id("loc:" + needs.Location))
		}
		f.LocationID = &id
	}
	b, err := json.Marshal(f)
	if err != nil {
		tb.Fatalf("marshal write: %v", err)
	}
	if err := json.Unmarshal(b, fu); err != nil {
		tb.Fatalf("store write %s: %v", b, err)
	}
	if f.Email != nil {
		fu.PrimaryEmail = *f.Email
	}
	if set.Has(mapping.FieldActive) {
		fu.Active = u.Active
	}
	if set.Has(mapping.FieldIsAgent) && u.IsAgent != nil {
		fu.IsAgent = *u.IsAgent
	}
	if fu.IsAgent && fu.PrimaryEmail != "" {
		fu.Email, fu.PrimaryEmail = fu.PrimaryEmail, ""
	}
}

// refs are the department and location names of fu's ids, as fsscim resolves them on a read.
func (s *Freshservice) refs(fu freshservice.User) mapping.Refs {
	var r mapping.Refs
	if len(fu.DepartmentIDs) > 0 {
		r.DepartmentName = strings.TrimPrefix(s.names[fu.DepartmentIDs[0]], "dept:")
	}
	if fu.LocationID != 0 {
		r.LocationName = strings.TrimPrefix(s.names[int64(fu.LocationID)], "loc:")
	}
	return r
}

// ReadBack is what fsscim answers after the write: the stored user, with the echo of the write.
func (s *Freshservice) ReadBack(fu freshservice.User, echo mapping.Echo, opts mapping.Options) map[string]any {
	u := mapping.UserFromFreshservice(fu, s.refs(fu), opts)
	echo.Apply(&u, fu)
	return mapping.UserToAttributes(u, opts)
}
