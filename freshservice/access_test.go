package freshservice_test

import (
	"context"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
	"github.com/fsscim/fsscim/freshservice/freshservicetest"
)

// TestCheckAccessTellsAccountAdmins: an admin key's owner is an account admin, a plain agent's key
// is accepted but is not, and a key Freshservice does not know is refused (401).
func TestCheckAccessTellsAccountAdmins(t *testing.T) {
	m := newEmu(t, freshservicetest.Options{CustomFields: []freshservicetest.CustomField{{Name: "cost_center", Type: freshservicetest.CustomText}}}, nil)
	plain := m.e.AddAPIKey("plain-agent-key", false)
	ctx := context.Background()

	a, err := m.c.CheckAccess(ctx)
	if err != nil || !a.AccountAdmin || a.Owner.ID == 0 {
		t.Fatalf("admin key: %+v, %v", a, err)
	}
	p, err := newTestClient(t, m.url, func(o *freshservice.Options) { o.APIKey = "plain-agent-key" }).CheckAccess(ctx)
	if err != nil || p.AccountAdmin || p.Owner.ID != plain.ID {
		t.Fatalf("plain agent's key: %+v, %v", p, err)
	}
	_, err = newTestClient(t, m.url, func(o *freshservice.Options) { o.APIKey = "nobody-knows-me" }).CheckAccess(ctx)
	if !freshservice.IsUnauthorized(err) {
		t.Fatalf("unknown key: %v, want a 401", err)
	}

	fields, err := m.c.ListUserFields(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	custom := map[string]bool{}
	for _, f := range fields {
		custom[f.Name] = f.Custom()
	}
	if !custom["cost_center"] || custom["first_name"] {
		t.Fatalf("requester fields, custom or not: %v", custom)
	}
}
