package freshservice_test

import (
	"context"
	"testing"
	"time"

	"github.com/fsscim/fsscim/freshservice"
)

const requesterJSON = `{"requester":{"id":21000418006,"first_name":"Ron","primary_email":"ron@example.com","active":true}}`

func TestGetRetries(t *testing.T) {
	ok := reply{status: 200, body: requesterJSON}
	tests := []struct {
		name       string
		replies    []reply
		maxRetries int
		wantErr    func(error) bool // nil: success
		wantSent   int
	}{
		{"500 then success", []reply{{status: 500}, ok}, 2, nil, 2},
		{"502, 503 then success", []reply{{status: 502}, {status: 503}, ok}, 2, nil, 3},
		{"connection drop then success", []reply{{drop: true}, ok}, 2, nil, 2},
		{"5xx beyond the retries", []reply{{status: 500}, {status: 500}, {status: 500}, ok}, 2, freshservice.IsUnavailable, 3},
		{"501 is not retried", []reply{{status: 501}, ok}, 2, freshservice.IsUnavailable, 1},
		{"404 is not retried", []reply{{status: 404}, ok}, 2, freshservice.IsNotFound, 1},
		{"retries disabled", []reply{{status: 500}, ok}, -1, freshservice.IsUnavailable, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, map[string][]reply{"GET /requesters/21000418006": tt.replies})
			c := newTestClient(t, f.srv.URL, func(o *freshservice.Options) { o.MaxGetRetries = tt.maxRetries })
			u, err := c.GetRequester(context.Background(), 21000418006)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("GetRequester: %v", err)
			case tt.wantErr == nil && u.PrimaryEmail != "ron@example.com":
				t.Fatalf("user = %+v", u)
			case tt.wantErr != nil && !tt.wantErr(err):
				t.Fatalf("err = %v, not of the expected class", err)
			}
			if got := f.count(); got != tt.wantSent {
				t.Errorf("server saw %d requests, want %d", got, tt.wantSent)
			}
		})
	}
}

func TestWritesAreNeverRetried(t *testing.T) {
	ctx := context.Background()
	ann := freshservice.UserFields{NameFields: freshservice.NameFields{FirstName: ptr("A")}, Email: ptr("a@example.com")}
	title := freshservice.UserFields{NameFields: freshservice.NameFields{JobTitle: ptr("x")}}
	tests := []oneCall{
		{"POST on 500", "POST /requesters", reply{status: 500},
			func(c *freshservice.Client) error { return errOf(c.CreateRequester(ctx, ann)) }},
		{"POST on connection drop", "POST /requesters", reply{drop: true},
			func(c *freshservice.Client) error { return errOf(c.CreateRequester(ctx, ann)) }},
		{"POST on 429 with a short Retry-After", "POST /departments", reply{status: 429, header: map[string]string{"Retry-After": "1"}},
			func(c *freshservice.Client) error { return errOf(c.CreateDepartment(ctx, "Sales")) }},
		{"PUT on 503", "PUT /agents/5", reply{status: 503},
			func(c *freshservice.Client) error { return errOf(c.UpdateAgent(ctx, 5, title)) }},
		{"DELETE on 502", "DELETE /requesters/5", reply{status: 502},
			func(c *freshservice.Client) error { return c.DeactivateRequester(ctx, 5) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.send(t); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestRetryAfterHonouredOnGet(t *testing.T) {
	limited := reply{status: 429, header: map[string]string{"Retry-After": "1"}}
	agent := reply{status: 200, body: `{"agent":{"id":9,"email":"a@example.com"}}`}
	tests := []struct {
		name     string
		replies  []reply
		wantOK   bool
		wantSent int
	}{
		{"waits and retries", []reply{limited, agent}, true, 2},
		{"retries only once", []reply{limited, limited, agent}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, map[string][]reply{"GET /agents/9": tt.replies})
			c := newTestClient(t, f.srv.URL, nil)

			u, err := c.GetAgent(context.Background(), 9)
			switch {
			case tt.wantOK && (err != nil || !u.IsAgent || u.ID != 9):
				t.Fatalf("GetAgent = %+v, %v", u, err)
			case !tt.wantOK && (!freshservice.IsRateLimited(err) || freshservice.RetryAfter(err) != time.Second):
				t.Fatalf("err = %v, want the second 429", err)
			}
			if got := f.count(); got != tt.wantSent {
				t.Errorf("server saw %d requests, want %d", got, tt.wantSent)
			}
		})
	}
}

func TestRetryAfterBeyondDeadlineIsReturned(t *testing.T) {
	f := newFake(t, map[string][]reply{"GET /agents/9": {
		{status: 429, header: map[string]string{"Retry-After": "30"}},
		{status: 200, body: `{"agent":{"id":9}}`},
	}})
	c := newTestClient(t, f.srv.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	_, err := c.GetAgent(ctx, 9)
	if !freshservice.IsRateLimited(err) || freshservice.RetryAfter(err) != 30*time.Second {
		t.Fatalf("err = %v, want a 429 with RetryAfter 30s", err)
	}
	if got := f.count(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
}

func ptr[T any](v T) *T { return &v }
