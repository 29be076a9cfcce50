package freshservice_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

func TestDeactivateAnswers(t *testing.T) {
	tests := []oneCall{
		{"agent 200 with body", "DELETE /agents/3", reply{status: 200, body: `{"agent":{"id":3,"active":false}}`},
			func(c *freshservice.Client) error { return c.DeactivateAgent(context.Background(), 3) }},
		{"agent 204", "DELETE /agents/3", reply{status: 204},
			func(c *freshservice.Client) error { return c.DeactivateAgent(context.Background(), 3) }},
		{"requester 204", "DELETE /requesters/3", reply{status: 204},
			func(c *freshservice.Client) error { return c.DeactivateRequester(context.Background(), 3) }},
		{"requester 200", "DELETE /requesters/3", reply{status: 200, body: `{"requester":{"id":3,"active":false}}`},
			func(c *freshservice.Client) error { return c.DeactivateRequester(context.Background(), 3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.send(t); err != nil {
				t.Fatalf("deactivate: %v", err)
			}
		})
	}
}

func TestUnexpectedAnswerShape(t *testing.T) {
	f := newFake(t, map[string][]reply{
		"GET /requesters/1": {{status: 200, body: `{"agent":{"id":1}}`}},
		"GET /agents/1":     {{status: 200, body: `not json`}},
	})
	c := newTestClient(t, f.srv.URL, nil)
	if _, err := c.GetRequester(context.Background(), 1); err == nil || err.Error() != "freshservice: GET /requesters/{id}: answer holds no requester" {
		t.Errorf("wrong wrapper: %v", err)
	}
	if _, err := c.GetAgent(context.Background(), 1); err == nil || freshservice.IsUnavailable(err) {
		t.Errorf("undecodable answer: %v", err)
	}
}

func TestRequestHeaders(t *testing.T) {
	f := newFake(t, map[string][]reply{"POST /departments": {{status: 201, body: `{"department":{"id":1,"name":"X"}}`}}})
	c := newTestClient(t, f.srv.URL, func(o *freshservice.Options) { o.UserAgent = "fsscim/test" })
	if _, err := c.CreateDepartment(context.Background(), "X"); err != nil {
		t.Fatal(err)
	}
	req := f.requests()[0]
	user, pass, ok := (&http.Request{Header: req.header}).BasicAuth()
	if !ok || user != testKey || pass != "X" {
		t.Errorf("basic auth = %q:%q (%v)", user, pass, ok)
	}
	for name, want := range map[string]string{"User-Agent": "fsscim/test", "Accept": "application/json", "Content-Type": "application/json"} {
		if got := req.header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if req.body != `{"name":"X"}` {
		t.Errorf("body = %s", req.body)
	}
}

func TestNoFollowingLinksOffHost(t *testing.T) {
	// A Link header pointing at another host is read only for its page number.
	f := newFake(t, map[string][]reply{"GET /departments": {
		{status: 200, body: `{"departments":[{"id":1,"name":"A"}]}`, header: map[string]string{"Link": `<https://evil.example/api/v2/departments?page=2&per_page=100>; rel="next"`}},
		{status: 200, body: `{"departments":[{"id":2,"name":"B"}]}`},
	}})
	c := newTestClient(t, f.srv.URL, nil)
	depts, err := c.ListDepartments(context.Background())
	if err != nil || len(depts) != 2 {
		t.Fatalf("ListDepartments = %+v, %v", depts, err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("sent %d requests", len(reqs))
	}
	q, _ := url.ParseQuery(reqs[1].rawQuery)
	if q.Get("page") != "2" || q.Get("per_page") != "100" {
		t.Errorf("second page query = %q", reqs[1].rawQuery)
	}
}
