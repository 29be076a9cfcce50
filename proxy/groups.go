package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"go.uber.org/zap"

	"github.com/fsscim/fsscim/config"
	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/mapping"
)

// groupsHandler serves /Groups: a SCIM Group is a Freshservice requester group or agent group, per the
// tenant's groups.target, and its SCIM id is the Freshservice group id.
type groupsHandler struct{ srv *Server }

var _ scim.ResourceHandler = (*groupsHandler)(nil)

// groupCall is everything one group operation needs.
type groupCall struct {
	srv    *Server
	sc     *scope
	ts     *tenantState
	cfg    *config.Tenant
	c      *freshservice.Client
	target groupTarget
	method string
	log    *zap.Logger
}

func (h *groupsHandler) begin(r *http.Request) (context.Context, context.CancelFunc, *groupCall) {
	sc := requestScope(r)
	ctx, cancel := context.WithTimeout(r.Context(), h.srv.opts.RequestTimeout)
	cfg := sc.tenant.config()
	gc := &groupCall{srv: h.srv, sc: sc, ts: sc.tenant, cfg: cfg, c: sc.client, method: r.Method, log: sc.log}
	gc.target = newGroupTarget(cfg.Groups.Target, sc.client)
	return ctx, cancel, gc
}

// ready refuses the request when the tenant provisions no groups. The normaliser answers those
// requests before they get here; this keeps a handler from ever running without a target.
func (gc *groupCall) ready() error {
	if gc.target == nil {
		return scimError(http.StatusNotImplemented, "", "Groups are not provisioned to %s (groups.target is %q in its tenant file).", gc.cfg.Domain, gc.cfg.Groups.Target)
	}
	return nil
}

func groupNotFound(id string) scimerrors.ScimError {
	return scimError(http.StatusNotFound, "", "Group %s not found.", sanitizeID(id))
}

func parseGroupID(id string) (int64, bool) { return parseUserID(id) }

// Get reads the group fresh from Freshservice, with its members unless the caller excluded them.
func (h *groupsHandler) Get(r *http.Request, id string) (scim.Resource, error) {
	ctx, cancel, gc := h.begin(r)
	defer cancel()
	if err := gc.ready(); err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	gid, ok := parseGroupID(id)
	if !ok {
		return scim.Resource{}, gc.sc.fail(gc.method, groupNotFound(id))
	}
	g, err := gc.target.get(ctx, gid)
	if err != nil {
		if freshservice.IsNotFound(err) {
			return scim.Resource{}, gc.sc.fail(gc.method, groupNotFound(id))
		}
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	res, err := gc.resource(ctx, g, !gc.sc.excludeMembers, nil)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	return res, nil
}

// GetAll answers Entra's lookups: by displayName (case-insensitive), by externalId, and the
// membership check `id eq "g" and members eq "u"`. With members excluded, no member list is read.
func (h *groupsHandler) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	ctx, cancel, gc := h.begin(r)
	defer cancel()
	if err := gc.ready(); err != nil {
		return scim.Page{}, gc.sc.fail(gc.method, err)
	}
	plan := mapping.GroupPlan{}
	if gc.sc.groupPlan != nil {
		plan = *gc.sc.groupPlan
	}
	page, err := gc.list(ctx, plan, params)
	if err != nil {
		return scim.Page{}, gc.sc.fail(gc.method, err)
	}
	return page, nil
}

// Create makes the group, then adds its members. Members are checked first, so a bad member
// creates nothing; if adding members fails half-way the new group is deleted again.
func (h *groupsHandler) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ctx, cancel, gc := h.begin(r)
	defer cancel()
	if err := gc.ready(); err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	g, err := mapping.GroupFromAttributes(attrs)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	g.Description, _ = rawDescription(r)
	res, err := gc.create(ctx, g)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	return res, nil
}

// Replace (PUT) sets the name, description and externalId; members, when the body carries them,
// become the whole member list. A body without members leaves them alone: clearing a group because
// a client only meant to rename it would cost its members their access.
func (h *groupsHandler) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ctx, cancel, gc := h.begin(r)
	defer cancel()
	if err := gc.ready(); err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	gid, ok := parseGroupID(id)
	if !ok {
		return scim.Resource{}, gc.sc.fail(gc.method, groupNotFound(id))
	}
	g, err := mapping.GroupFromAttributes(attrs)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	desc, _ := rawDescription(r)
	e := groupEdit{name: &g.DisplayName, description: &desc, externalID: &g.ExternalID}
	if g.Members != nil {
		ids := memberValues(g.Members)
		e.replace = &ids
	}
	info, err := gc.edit(ctx, gid, id, e)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	res, err := gc.resource(ctx, info, true, nil)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	return res, nil
}

// Patch applies Entra's operations (both dialects, see mapping.ApplyGroupPatch) and answers 204.
func (h *groupsHandler) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	ctx, cancel, gc := h.begin(r)
	defer cancel()
	if err := gc.ready(); err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	gid, ok := parseGroupID(id)
	if !ok {
		return scim.Resource{}, gc.sc.fail(gc.method, groupNotFound(id))
	}
	change, err := mapping.ApplyGroupPatch(ops)
	if err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	gc.sc.noteIgnored(change.Ignored...)
	e := groupEdit{
		name:        change.DisplayName,
		description: change.Description,
		externalID:  change.ExternalID,
		add:         change.Add,
		remove:      change.Remove,
		replace:     change.Replace,
	}
	if _, err := gc.edit(ctx, gid, id, e); err != nil {
		return scim.Resource{}, gc.sc.fail(gc.method, err)
	}
	// Empty attributes make the library answer 204 No Content, as Entra expects of a group PATCH.
	return scim.Resource{}, nil
}

// Delete deletes the group in Freshservice and forgets what fsscim recorded about it.
func (h *groupsHandler) Delete(r *http.Request, id string) error {
	ctx, cancel, gc := h.begin(r)
	defer cancel()
	if err := gc.ready(); err != nil {
		return gc.sc.fail(gc.method, err)
	}
	gid, ok := parseGroupID(id)
	if !ok {
		return gc.sc.fail(gc.method, groupNotFound(id))
	}
	if err := gc.delete(ctx, gid, id); err != nil {
		return gc.sc.fail(gc.method, err)
	}
	return nil
}

// resource is the SCIM answer for g. members, when given, are used instead of reading them.
func (gc *groupCall) resource(ctx context.Context, g groupInfo, withMembers bool, members []mapping.Member) (scim.Resource, error) {
	rec, _, err := gc.srv.opts.Store.GetGroup(ctx, gc.ts.domain, gc.target.kind(), g.id)
	if err != nil {
		return scim.Resource{}, fmt.Errorf("read stored state of group %d: %w", g.id, err)
	}
	mg := mapping.Group{ID: strconv.FormatInt(g.id, 10), DisplayName: g.name, ExternalID: rec.ExternalID, Description: g.description}
	if withMembers {
		if members == nil {
			if members, err = gc.target.members(ctx, g); err != nil {
				return scim.Resource{}, err
			}
		}
		mg.Members = members
	}
	return groupResource(mg, g, withMembers), nil
}

func groupResource(mg mapping.Group, g groupInfo, withMembers bool) scim.Resource {
	res := scim.Resource{ID: mg.ID, Attributes: mapping.GroupToAttributes(mg, withMembers)}
	if mg.ExternalID != "" {
		res.ExternalID = optional.NewString(mg.ExternalID)
	}
	if !g.created.IsZero() {
		t := g.created
		res.Meta.Created = &t
	}
	if !g.updated.IsZero() {
		t := g.updated
		res.Meta.LastModified = &t
	}
	return res
}

func memberValues(members []mapping.Member) []string {
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.Value)
	}
	return ids
}

// rawDescription reads description from the request body: the SCIM library's group schema has no
// such attribute and drops it, but Freshservice groups have one. The library leaves the body it
// validated readable for the handler.
func rawDescription(r *http.Request) (string, bool) {
	if r.Body == nil {
		return "", false
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return "", false
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	var body map[string]any
	if json.Unmarshal(raw, &body) != nil {
		return "", false
	}
	v, ok := lookupKey(body, "description")
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}
