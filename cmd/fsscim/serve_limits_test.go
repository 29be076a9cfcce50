package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// send makes one SCIM request with a JSON body to a running fsscim.
func send(t *testing.T, method, url, token string, body any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, http.DefaultClient, newRequest(t, method, url, token, bytes.NewReader(raw)))
}

func titleOps(n int) map[string]any {
	ops := make([]any, n)
	for i := range ops {
		ops[i] = map[string]any{"op": "replace", "path": "title", "value": fmt.Sprintf("Title %d", i)}
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}
}

func memberValues(n int) []any {
	members := make([]any, n)
	for i := range members {
		members[i] = map[string]any{"value": strconv.Itoa(1000 + i)}
	}
	return members
}

// TestServeCapsTheSizeOfARequest: a running fsscim answers 413, naming the limit, to a PATCH of more
// than 1,000 operations and to any list of more than 1,000 values (group members in a PATCH, emails
// in a POST), without asking Freshservice anything; a PATCH of exactly 1,000 operations is applied.
func TestServeCapsTheSizeOfARequest(t *testing.T) {
	f := newTenantFixture(t)
	s := serve(t, f, nil, "--listen", "127.0.0.1:0")
	user := s.base + "/scim/v2/Users/" + strconv.FormatInt(f.agentID, 10)
	patchOp := []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}

	for _, tt := range []struct {
		name, method, url string
		body              any
		limit             string
	}{
		{"1,001 operations", http.MethodPatch, user, titleOps(1001), "at most 1000 operations in one PATCH"},
		{"1,001 members added", http.MethodPatch, s.base + "/scim/v2/Groups/4242", map[string]any{"schemas": patchOp,
			"Operations": []any{map[string]any{"op": "add", "path": "members", "value": memberValues(1001)}}},
			"at most 1000 values of one attribute"},
		{"1,001 members in a path-less add", http.MethodPatch, s.base + "/scim/v2/Groups/4242", map[string]any{"schemas": patchOp,
			"Operations": []any{map[string]any{"op": "add", "value": map[string]any{"members": memberValues(1001)}}}},
			"at most 1000 values of one attribute"},
		{"1,001 emails in a create", http.MethodPost, s.base + "/scim/v2/Users", map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "many@example.com",
			"emails": func() []any {
				out := make([]any, 1001)
				for i := range out {
					out[i] = map[string]any{"value": fmt.Sprintf("m%d@example.com", i), "type": "other"}
				}
				return out
			}()}, "at most 1000 values of one attribute"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f.emu.ResetCalls()
			status, body := send(t, tt.method, tt.url, f.token, tt.body)
			if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, tt.limit) {
				t.Fatalf("%d %s, want 413 naming the limit (%q)", status, body, tt.limit)
			}
			if !strings.Contains(body, `"status":"413"`) {
				t.Errorf("not a SCIM error body: %s", body)
			}
			if calls := f.emu.Calls(); len(calls) != 0 {
				t.Errorf("Freshservice was called %d times for a refused request", len(calls))
			}
		})
	}

	// At the limit the PATCH is applied: the last title wins.
	status, body := send(t, http.MethodPatch, user, f.token, titleOps(1000))
	if status != http.StatusOK || !strings.Contains(body, `"title":"Title 999"`) {
		t.Fatalf("PATCH of 1,000 operations: %d %s", status, body)
	}
	if u, ok := f.emu.User(f.agentID); !ok || u.JobTitle != "Title 999" {
		t.Errorf("Freshservice holds title %q after the PATCH of 1,000 operations", u.JobTitle)
	}
}
