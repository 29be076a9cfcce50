package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/store/record"
)

func TestGroupRecords(t *testing.T) {
	ctx := context.Background()
	b, path := openTemp(t)
	const tenant = "acme.freshservice.com"
	if err := b.PutGroup(ctx, tenant, "requester_groups", 7, record.GroupRecord{ExternalID: "8aa1a0c0"}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutGroup(ctx, tenant, "agent_groups", 7, record.GroupRecord{ExternalID: "other"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		tenant    string
		kind      string
		id        int64
		wantFound bool
		want      string
	}{
		{"as written", tenant, "requester_groups", 7, true, "8aa1a0c0"},
		{"tenant in another case", "ACME.freshservice.com", "requester_groups", 7, true, "8aa1a0c0"},
		{"same id, other kind", tenant, "agent_groups", 7, true, "other"},
		{"other id", tenant, "requester_groups", 8, false, ""},
		{"other tenant", "beta.freshservice.com", "requester_groups", 7, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, found, err := b.GetGroup(ctx, tt.tenant, tt.kind, tt.id)
			if err != nil {
				t.Fatal(err)
			}
			if found != tt.wantFound || rec.ExternalID != tt.want {
				t.Fatalf("got %+v found=%t, want %q found=%t", rec, found, tt.want, tt.wantFound)
			}
		})
	}

	// A zero record removes the group; deleting twice is fine; the other kind stays.
	if err := b.PutGroup(ctx, tenant, "requester_groups", 7, record.GroupRecord{}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.GetGroup(ctx, tenant, "requester_groups", 7); found {
		t.Fatal("a zero record was kept")
	}
	for range 2 {
		if err := b.DeleteGroup(ctx, tenant, "agent_groups", 7); err != nil {
			t.Fatal(err)
		}
	}
	if _, found, _ := b.GetGroup(ctx, tenant, "agent_groups", 7); found {
		t.Fatal("deleted group still found")
	}

	// Records survive a reopen.
	if err := b.PutGroup(ctx, tenant, "agent_groups", 9, record.GroupRecord{ExternalID: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if rec, found, err := again.GetGroup(ctx, tenant, "agent_groups", 9); err != nil || !found || rec.ExternalID != "kept" {
		t.Fatalf("after reopen: %+v %t %v", rec, found, err)
	}
}

func TestGroupBadArguments(t *testing.T) {
	b, _ := openTemp(t)
	tests := []struct {
		name, tenant, kind string
		id                 int64
		want               string
	}{
		{"empty kind", "acme.freshservice.com", "", 1, "kind is empty"},
		{"empty tenant", "", "requester_groups", 1, "tenant is empty"},
		{"zero id", "acme.freshservice.com", "requester_groups", 0, "not a Freshservice id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			errs := map[string]error{
				"PutGroup":    b.PutGroup(ctx, tt.tenant, tt.kind, tt.id, record.GroupRecord{ExternalID: "x"}),
				"DeleteGroup": b.DeleteGroup(ctx, tt.tenant, tt.kind, tt.id),
			}
			_, _, errs["GetGroup"] = b.GetGroup(ctx, tt.tenant, tt.kind, tt.id)
			for name, err := range errs {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want one saying %q", name, err, tt.want)
				}
			}
		})
	}
}

func TestUpdateUsers(t *testing.T) {
	ctx := context.Background()
	const tenant = "acme.freshservice.com"
	tests := []struct {
		name    string
		ids     []int64
		fn      func(id int64, r *record.UserRecord) error
		wantErr string
		want    map[int64][]int64 // requester groups by user after the call
	}{
		{
			name: "adds a group to every user, keeping other fields",
			ids:  []int64{3, 1, 2},
			fn: func(_ int64, r *record.UserRecord) error {
				r.RequesterGroups = append(r.RequesterGroups, 40)
				return nil
			},
			want: map[int64][]int64{1: {10, 40}, 2: {40}, 3: {40}},
		},
		{
			name: "an error from one user changes nobody",
			ids:  []int64{1, 2},
			fn: func(id int64, r *record.UserRecord) error {
				r.RequesterGroups = append(r.RequesterGroups, 50)
				if id == 2 {
					return errors.New("refused")
				}
				return nil
			},
			wantErr: "refused",
			want:    map[int64][]int64{1: {10}},
		},
		{
			name: "emptying a record removes it",
			ids:  []int64{1},
			fn: func(_ int64, r *record.UserRecord) error {
				r.RequesterGroups = nil
				return nil
			},
			want: map[int64][]int64{1: nil},
		},
		{
			name:    "a bad id fails before any change",
			ids:     []int64{1, 0},
			fn:      func(_ int64, r *record.UserRecord) error { r.RequesterGroups = nil; return nil },
			wantErr: "not a Freshservice id",
			want:    map[int64][]int64{1: {10}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := openTemp(t)
			if err := b.PutUser(ctx, tenant, 1, record.UserRecord{ManagerID: 9, RequesterGroups: []int64{10}}); err != nil {
				t.Fatal(err)
			}
			err := b.UpdateUsers(ctx, tenant, tt.ids, tt.fn)
			if (err != nil) != (tt.wantErr != "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			for id, groups := range tt.want {
				rec, _, err := b.GetUser(ctx, tenant, id)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(rec.RequesterGroups, groups) {
					t.Errorf("user %d groups %v, want %v", id, rec.RequesterGroups, groups)
				}
				if id == 1 && rec.ManagerID != 9 {
					t.Errorf("user 1 lost its manager: %+v", rec)
				}
			}
		})
	}
}

func TestForEachUser(t *testing.T) {
	ctx := context.Background()
	b, _ := openTemp(t)
	for _, id := range []int64{300, 2, 1 << 40} {
		if err := b.PutUser(ctx, "acme.freshservice.com", id, record.UserRecord{ManagerID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.PutUser(ctx, "beta.freshservice.com", 5, record.UserRecord{ManagerID: 5}); err != nil {
		t.Fatal(err)
	}
	var seen []int64
	err := b.ForEachUser(ctx, "ACME.freshservice.com", func(id int64, r record.UserRecord) error {
		if r.ManagerID != id {
			t.Errorf("user %d came with record %+v", id, r)
		}
		seen = append(seen, id)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{2, 300, 1 << 40}; !reflect.DeepEqual(seen, want) {
		t.Fatalf("walked %v, want %v", seen, want)
	}

	stop := errors.New("stop")
	calls := 0
	err = b.ForEachUser(ctx, "acme.freshservice.com", func(int64, record.UserRecord) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("error %v after %d calls, want the callback's error after 1", err, calls)
	}
	if err := b.ForEachUser(ctx, "empty.freshservice.com", func(int64, record.UserRecord) error { return stop }); err != nil {
		t.Fatalf("a tenant without records: %v", err)
	}
}
