package freshservice_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

const benchRequester = `{"requester":{"active":true,"address":null,"background_information":null,
"created_at":"2022-03-31T01:23:36Z","custom_fields":{"ad_location1":null,"ad_location2":null},
"department_ids":[21000418006],"external_id":null,"first_name":"John","has_logged_in":false,
"id":18012783346,"is_agent":false,"job_title":"QA Tester","language":"en","last_name":"Smith",
"location_id":null,"mobile_phone_number":null,"primary_email":"jsmith@company.com",
"reporting_manager_id":null,"secondary_emails":[],"time_format":"12h",
"time_zone":"Eastern Time (US & Canada)","updated_at":"2022-03-31T01:23:36Z",
"vip_user":false,"work_phone_number":"62443"}}`

func benchServer(b *testing.B, body string, header map[string]string) *httptest.Server {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Ratelimit-Total", "500")
		w.Header().Set("X-Ratelimit-Remaining", "499")
		fmt.Fprint(w, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

func BenchmarkClientGetRequester(b *testing.B) {
	srv := benchServer(b, benchRequester, nil)
	c := newTestClient(b, srv.URL, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetRequester(ctx, 18012783346); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientListRequestersPage(b *testing.B) {
	one := strings.TrimSuffix(strings.TrimPrefix(benchRequester, `{"requester":`), "}")
	users := make([]string, 100)
	for i := range users {
		users[i] = one
	}
	srv := benchServer(b, `{"requesters":[`+strings.Join(users, ",")+`]}`,
		map[string]string{"Link": `<http://x/api/v2/requesters?page=2&per_page=100>; rel="next"`})
	c := newTestClient(b, srv.URL, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, more, err := c.ListRequesters(ctx, 1, 100)
		if err != nil || len(got) != 100 || !more {
			b.Fatal(len(got), more, err)
		}
	}
}

func BenchmarkClientValidationError(b *testing.B) {
	body := `{"description":"Validation failed","errors":[{"field":"primary_email","message":"It already exists","code":"duplicate_value"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		fmt.Fprint(w, body)
	}))
	b.Cleanup(srv.Close)
	c := newTestClient(b, srv.URL, nil)
	ctx := context.Background()
	f := freshservice.UserFields{NameFields: freshservice.NameFields{FirstName: ptr("A")}, Email: ptr("a@example.com")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CreateRequester(ctx, f); !freshservice.IsDuplicate(err) {
			b.Fatal(err)
		}
	}
}
