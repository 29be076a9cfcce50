package proxy

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/elimity-com/scim"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// list answers GET /Groups. An id term reads that one group; otherwise the collection is listed and
// filtered here (Freshservice filters groups by nothing). Member lists are read only where a members
// term needs them or the answer carries them.
func (gc *groupCall) list(ctx context.Context, plan mapping.GroupPlan, params scim.ListRequestParams) (scim.Page, error) {
	empty := scim.Page{Resources: []scim.Resource{}}
	var (
		byID        int64
		memberTerms bool
		other       mapping.GroupPlan
	)
	for _, t := range plan.Terms {
		switch t.Attr {
		case "id":
			id, ok := parseGroupID(t.Value)
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
			return scim.Page{}, err
		}
		groups = []groupInfo{g}
	} else {
		var err error
		if groups, err = gc.target.list(ctx); err != nil {
			return scim.Page{}, err
		}
	}

	members := map[int64][]mapping.Member{}
	var matched []groupInfo
	for _, g := range groups {
		mg := mapping.Group{ID: strconv.FormatInt(g.id, 10), DisplayName: g.name, Description: g.description}
		rec, _, err := gc.srv.opts.Store.GetGroup(ctx, gc.ts.domain, gc.target.kind(), g.id)
		if err != nil {
			return scim.Page{}, fmt.Errorf("read stored state of group %d: %w", g.id, err)
		}
		mg.ExternalID = rec.ExternalID
		if !other.Matches(mg) {
			continue
		}
		if memberTerms {
			if mg.Members, err = gc.target.members(ctx, g); err != nil {
				return scim.Page{}, err
			}
			members[g.id] = mg.Members
			if !plan.Matches(mg) {
				continue
			}
		}
		matched = append(matched, g)
	}
	sort.Slice(matched, func(i, j int) bool { return matched[i].id < matched[j].id })

	total := len(matched)
	start := min(max(params.StartIndex-1, 0), total)
	end := min(start+max(params.Count, 0), total)
	withMembers := !gc.sc.excludeMembers
	out := make([]scim.Resource, 0, end-start)
	for _, g := range matched[start:end] {
		res, err := gc.resource(ctx, g, withMembers, members[g.id])
		if err != nil {
			return scim.Page{}, err
		}
		out = append(out, res)
	}
	return scim.Page{TotalResults: total, Resources: out}, nil
}
