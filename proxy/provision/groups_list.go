package provision

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// list answers GET /Groups. An id term reads that one group; otherwise the collection is listed and
// filtered here (Freshservice filters groups by nothing). Member lists are read only where a members
// term needs them or the answer carries them.
func (gc groupOp) list(ctx context.Context, plan mapping.GroupPlan, startIndex, count int, withMembers bool) (Page, error) {
	empty := Page{Resources: []Resource{}}
	var (
		byID        int64
		memberTerms bool
		other       mapping.GroupPlan
	)
	for _, t := range plan.Terms {
		switch t.Attr {
		case "id":
			id, ok := parseID(t.Value)
			if !ok || byID != 0 && byID != id {
				return empty, nil
			}
			byID = id
		case "members":
			memberTerms = true
		default:
			other.Terms = append(other.Terms, t)
		}
	}

	var groups []groupInfo
	if byID != 0 {
		g, err := gc.target.get(ctx, byID)
		if freshservice.IsNotFound(err) {
			return empty, nil
		}
		if err != nil {
			return Page{}, err
		}
		groups = []groupInfo{g}
	} else {
		var err error
		if groups, err = gc.target.list(ctx); err != nil {
			return Page{}, err
		}
	}

	members := map[int64][]mapping.Member{}
	var matched []groupInfo
	for _, g := range groups {
		mg := mapping.Group{ID: strconv.FormatInt(g.id, 10), DisplayName: g.name, Description: g.description}
		rec, _, err := gc.s.store().GetGroup(ctx, gc.s.t.domain, gc.target.kind(), g.id)
		if err != nil {
			return Page{}, fmt.Errorf("read stored state of group %d: %w", g.id, err)
		}
		mg.ExternalID = rec.ExternalID
		if !other.Matches(mg) {
			continue
		}
		if memberTerms {
			if mg.Members, err = gc.target.members(ctx, g); err != nil {
				return Page{}, err
			}
			members[g.id] = mg.Members
			if !plan.Matches(mg) {
				continue
			}
		}
		matched = append(matched, g)
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].id < matched[j].id })

	from, to := pageOf(len(matched), startIndex, count)
	out := make([]Resource, 0, to-from)
	for _, g := range matched[from:to] {
		res, err := gc.resource(ctx, g, withMembers, members[g.id])
		if err != nil {
			return Page{}, err
		}
		out = append(out, res)
	}
	return Page{Total: len(matched), Resources: out}, nil
}
