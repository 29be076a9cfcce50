package proxy_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

// lookup sends a userName lookup to replica i and returns the ids it answers.
func (c *cluster) lookup(i int, userName string) []string {
	c.t.Helper()
	r := c.do(i, http.MethodGet, "/scim/v2/Users?filter="+entraFilter(`userName eq "`+userName+`"`), nil)
	if r.Status != http.StatusOK {
		c.t.Fatalf("lookup %s through replica %d: %d %s", userName, i, r.Status, r.Body)
	}
	return hdListIDs(c.t, r)
}

// TestTwoServersShareTheDirectory runs two fsscim processes behind one real redis-server: the second
// loads the directory the first built (no walk of its own), and each answers, without a Freshservice
// call, what the other wrote a moment before: a create, a change, a deletion. Entra's retry of a
// create that lands on the other process finds the user the first made instead of making a second.
func TestTwoServersShareTheDirectory(t *testing.T) {
	c := newCluster(t, 2)
	for i := range 5 {
		c.emu.AddRequester(freshservice.User{FirstName: "U", PrimaryEmail: fmt.Sprintf("u%d@contoso.com", i)})
	}
	if got := c.lookup(0, "u1@contoso.com"); len(got) != 1 {
		t.Fatalf("replica 0 finds %v", got)
	}
	c.emu.ResetCalls()
	if got := c.lookup(1, "u2@contoso.com"); len(got) != 1 {
		t.Fatalf("replica 1 finds %v", got)
	}
	if lists := listCalls(callLines(c)); len(lists) != 0 {
		t.Errorf("replica 1 walked the directory replica 0 had built: %v", lists)
	}

	// A user created through replica 0 is found through replica 1 at once.
	r := c.do(0, http.MethodPost, "/scim/v2/Users", entraUserBody("grace@contoso.com"))
	if r.Status != http.StatusCreated {
		t.Fatalf("create through replica 0: %d %s", r.Status, r.Body)
	}
	id, _ := r.JSON(t)["id"].(string)
	c.emu.ResetCalls()
	if got := c.lookup(1, "grace@contoso.com"); !slices.Equal(got, []string{id}) {
		t.Fatalf("replica 1 finds %v for the user replica 0 created, want [%s]", got, id)
	}
	// Entra's retry of the create, sent to replica 1, finds the user replica 0 made: no second POST,
	// and an answer naming that user.
	r = c.do(1, http.MethodPost, "/scim/v2/Users", entraUserBody("grace@contoso.com"))
	if r.Status == http.StatusCreated && r.JSON(t)["id"] != id || r.Status != http.StatusCreated && r.Status != http.StatusConflict {
		t.Fatalf("the retried create through replica 1: %d %s, want the user %s", r.Status, r.Body, id)
	}
	if n := hdUsersWithEmailIn(c.emu, "grace@contoso.com"); n != 1 {
		t.Fatalf("%d users hold the email after the retried create, want 1", n)
	}
	for _, call := range callLines(c) {
		if strings.HasPrefix(call, "POST ") || strings.HasPrefix(call, "GET /requesters?") {
			t.Errorf("the retried create asked Freshservice: %s", call)
		}
	}

	// A change through replica 1 reads back through replica 0.
	if r := c.do(1, http.MethodPatch, "/scim/v2/Users/"+id, userPatchBody(patchOp("Replace", "title", "Rear Admiral"))); r.Status != http.StatusOK {
		t.Fatalf("patch through replica 1: %d %s", r.Status, r.Body)
	}
	c.emu.ResetCalls()
	r = c.do(0, http.MethodGet, "/scim/v2/Users/"+id, nil)
	if r.Status != http.StatusOK || r.JSON(t)["title"] != "Rear Admiral" {
		t.Fatalf("replica 0 reads %d %s after replica 1's change", r.Status, r.Body)
	}
	// A deletion through replica 0: replica 1 answers 404 and finds nothing.
	if r := c.do(0, http.MethodDelete, "/scim/v2/Users/"+id, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete through replica 0: %d %s", r.Status, r.Body)
	}
	if r := c.do(1, http.MethodGet, "/scim/v2/Users/"+id, nil); r.Status != http.StatusNotFound {
		t.Fatalf("replica 1 reads %d after replica 0 deleted the user", r.Status)
	}
	if got := c.lookup(1, "grace@contoso.com"); len(got) != 0 {
		t.Fatalf("replica 1 finds %v after the deletion", got)
	}
	for _, call := range callLines(c) {
		if strings.HasPrefix(call, "GET /requesters") || strings.HasPrefix(call, "GET /agents?") {
			t.Errorf("a read went to Freshservice: %s", call)
		}
	}
}

// callLines is the calls the cluster's account received, as "METHOD /path?query".
func callLines(c *cluster) []string {
	return emuCallLines(c.emu, func(raw string) string { return raw })
}
