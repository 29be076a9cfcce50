package proxy_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/store"
)

// resetFixture is what replica 0 records before Redis fails: a user disabled with a department
// Freshservice drops at the deactivation, and a user deleted through SCIM (only deactivated).
type resetFixture struct {
	disabled, deleted string // SCIM ids
	dept              freshservice.Department
}

func activePatch(v bool) map[string]any {
	return map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": v}},
	}
}

func (c *cluster) recordThroughReplica0() resetFixture {
	c.t.Helper()
	f := resetFixture{dept: c.emu.AddDepartment("Sales")}
	create := func(email string, withDept bool) string {
		body := map[string]any{
			"schemas":  []string{usersURNCore, usersURNEnterprise},
			"userName": email, "active": true,
			"name": map[string]any{"givenName": "Test", "familyName": "User"},
		}
		if withDept {
			body[usersURNEnterprise] = map[string]any{"department": "Sales"}
		}
		r := c.do(0, http.MethodPost, "/scim/v2/Users", body)
		if r.Status != http.StatusCreated {
			c.t.Fatalf("create %s: %d %s", email, r.Status, r.Body)
		}
		id, _ := r.JSON(c.t)["id"].(string)
		return id
	}
	f.disabled = create("grace@example.com", true)
	if r := c.do(0, http.MethodPatch, "/scim/v2/Users/"+f.disabled, activePatch(false)); r.Status != http.StatusOK {
		c.t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	f.deleted = create("leaver@example.com", false)
	if r := c.do(0, http.MethodDelete, "/scim/v2/Users/"+f.deleted, nil); r.Status != http.StatusNoContent {
		c.t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	return f
}

// fsUserOf reads the Freshservice user behind a SCIM id.
func (c *cluster) fsUserOf(id string) freshservice.User {
	c.t.Helper()
	var n int64
	if _, err := fmt.Sscan(id, &n); err != nil {
		c.t.Fatal(err)
	}
	u, ok := c.emu.User(n)
	if !ok {
		c.t.Fatalf("user %s is gone from Freshservice", id)
	}
	return u
}

func (c *cluster) want503(i int, method, path string, body any, what string) {
	c.t.Helper()
	r := c.do(i, method, path, body)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		c.t.Fatalf("%s through replica %d: %d (Retry-After %q) %s; want 503 with Retry-After", what, i, r.Status, r.Header.Get("Retry-After"), r.Body)
	}
}

// TestReplicasRefillRedisThatRestartedEmpty: replica 0 disables a user (recording the department
// Freshservice drops) and deletes another; Redis restarts empty. The deleted user does not come back
// and the enable through replica 1 restores the department: the replicas copy their records back to
// Redis, and until they have had the time to, what needs records is answered 503, not 200 from an
// empty Redis.
func TestReplicasRefillRedisThatRestartedEmpty(t *testing.T) {
	c := newCluster(t, 2)
	f := c.recordThroughReplica0()

	c.redis.Restart()
	c.want503(1, http.MethodGet, "/scim/v2/Users/"+f.deleted, nil, "read of the deleted user while Redis is refilled")
	c.want503(0, http.MethodGet, "/scim/v2/Users/"+f.deleted, nil, "read of the deleted user while Redis is refilled")
	c.want503(1, http.MethodPatch, "/scim/v2/Users/"+f.disabled, activePatch(true), "enable while Redis is refilled")
	if c.fsUserOf(f.disabled).Active {
		t.Fatal("the enable refused while Redis was refilled reactivated the user")
	}

	c.clock.Add(store.DefaultSettleWindow)
	c.wantRecordsKept(1, f, "after the refill")
}

// wantRecordsKept checks that replica i answers from the records of f: the deleted user is not found,
// and the enable of the disabled user restores its department.
func (c *cluster) wantRecordsKept(i int, f resetFixture, when string) {
	c.t.Helper()
	if r := c.do(i, http.MethodGet, "/scim/v2/Users/"+f.deleted, nil); r.Status != http.StatusNotFound {
		c.t.Fatalf("the deleted user read through replica %d %s: %d %s; want 404", i, when, r.Status, r.Body)
	}
	if r := c.do(i, http.MethodPatch, "/scim/v2/Users/"+f.disabled, activePatch(true)); r.Status != http.StatusOK {
		c.t.Fatalf("enable through replica %d %s: %d %s", i, when, r.Status, r.Body)
	}
	if u := c.fsUserOf(f.disabled); !u.Active || !slices.Equal(u.DepartmentIDs, []int64{f.dept.ID}) {
		c.t.Fatalf("after the enable through replica %d: active %v, departments %v; want the department [%d] restored", i, u.Active, u.DepartmentIDs, f.dept.ID)
	}
}

// TestReplicasDuringRedisOutage: Redis stops answering (its data kept). Replica 1 never recorded the
// users replica 0 disabled and deleted: it answers 503 for them, writing nothing, rather than 200 for
// the deleted user or an enable without the department. Replica 0 serves them from its own records,
// and once Redis answers again both see the same.
func TestReplicasDuringRedisOutage(t *testing.T) {
	c := newClusterVia(t, 2, true)
	f := c.recordThroughReplica0()

	c.gate.Shut()
	c.want503(1, http.MethodGet, "/scim/v2/Users/"+f.deleted, nil, "read of the user replica 0 deleted")
	c.want503(1, http.MethodPatch, "/scim/v2/Users/"+f.disabled, activePatch(true), "enable of the user replica 0 disabled")
	if c.fsUserOf(f.disabled).Active {
		t.Fatal("replica 1 reactivated the user without the record of what to restore")
	}
	c.wantRecordsKept(0, f, "during the outage")

	c.gate.Open()
	c.clock.Add(time.Minute) // past the retry interval
	// Replica 0 copies its outage writes when it next uses Redis.
	if r := c.do(0, http.MethodGet, "/scim/v2/Users/"+f.disabled, nil); r.Status != http.StatusOK {
		t.Fatalf("replica 0 after the outage: %d %s", r.Status, r.Body)
	}
	if r := c.do(1, http.MethodGet, "/scim/v2/Users/"+f.deleted, nil); r.Status != http.StatusNotFound {
		t.Fatalf("replica 1 reads the deleted user after the outage: %d %s; want 404", r.Status, r.Body)
	}
	r := c.do(1, http.MethodGet, "/scim/v2/Users/"+f.disabled, nil)
	if r.Status != http.StatusOK || r.JSON(t)["active"] != true {
		t.Fatalf("replica 1 reads the enabled user after the outage: %d %s", r.Status, r.Body)
	}
}
