package freshservicetest

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/fsscim/fsscim/freshservice"
)

// maxBody bounds what the emulator reads of a request body.
const maxBody = 1 << 20

// ServeHTTP answers one Freshservice v2 API call. Order: injected latency, a fault that answers
// instead of the account, the rate budget, authentication, routing, access, content negotiation, the
// handler, and finally a fault that loses the answer after the change was made.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	e.mu.Lock()
	at := e.opts.Now()
	f, armed := e.takeFault(r)
	delay := e.latency
	e.mu.Unlock()
	if armed {
		delay += f.Latency
	}

	// A call without delay is served even when its caller has gone; a delay the caller cuts short loses it.
	if delay > 0 && freshservice.Sleep(r.Context(), delay) != nil || armed && !hold(r.Context(), f) {
		e.record(r, raw, 0, at)
		return
	}

	if armed && !f.AfterWrite && (f.Status != 0 || f.Drop) {
		if f.Drop {
			e.record(r, raw, 0, at)
			drop(w)
			return
		}
		resp := faultResponse(f)
		e.mu.Lock()
		e.rateHeaders(resp.header, 0)
		e.mu.Unlock()
		e.record(r, raw, resp.status, at)
		resp.write(w)
		return
	}

	resp := e.handle(r, raw)

	if armed && f.AfterWrite {
		if f.Drop || f.Status == 0 {
			e.record(r, raw, 0, at)
			drop(w)
			return
		}
		lost := faultResponse(f)
		for _, k := range []string{"X-Ratelimit-Total", "X-Ratelimit-Remaining", "X-Ratelimit-Used-Currentrequest"} {
			lost.header[k] = resp.header[k]
		}
		resp = lost
	}
	e.record(r, raw, resp.status, at)
	resp.write(w)
}

// handle runs the request against the account under the lock and returns the answer to send.
func (e *Emulator) handle(r *http.Request, raw []byte) response {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := r.Method == http.MethodGet && (r.URL.Path == apiPrefix+"requesters" || r.URL.Path == apiPrefix+"agents")
	if resp, limited := e.spend(list); limited {
		return resp
	}
	resp := e.dispatch(r, raw)
	e.rateHeaders(resp.header, 1)
	return resp
}

func (e *Emulator) dispatch(r *http.Request, raw []byte) response {
	key, ok := e.authenticate(r)
	if !ok {
		return unauthorized()
	}
	if !acceptsJSON(r.Header.Get("Accept")) {
		return codeMessage(http.StatusNotAcceptable, "invalid_accept_header", "Only application/json and */* are supported in the Accept header.")
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !jsonContent(r.Header.Get("Content-Type"), raw) {
		return codeMessage(http.StatusUnsupportedMediaType, "invalid_content_type", "Content-Type header should be application/json.")
	}
	rt, ids, miss := match(e.routes, r.Method, r.URL.Path)
	if miss != nil {
		return *miss
	}
	if rt.admin && !key.admin {
		return forbidden()
	}
	q := &request{r: r, ids: ids, raw: raw, key: key, base: baseURL(r)}
	return rt.handle(e, q)
}

// acceptsJSON is true for an absent Accept header or one listing JSON or a wildcard.
func acceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "application/json", "*/*", "application/*":
			return true
		}
	}
	return false
}

// jsonContent accepts application/json, or no Content-Type at all when there is no body (the empty
// PUTs of reactivate and convert, the POST of a group member).
func jsonContent(ct string, raw []byte) bool {
	if strings.TrimSpace(ct) == "" {
		return len(strings.TrimSpace(string(raw))) == 0
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// drop closes the connection without an answer. net/http turns http.ErrAbortHandler into a closed
// connection (or a reset stream) when the writer cannot be hijacked.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// hold waits while f holds its requests; false when the request ended first.
func hold(ctx context.Context, f Fault) bool {
	if f.Hold == nil {
		return true
	}
	select {
	case <-f.Hold:
		return true
	case <-ctx.Done():
		return false
	}
}
