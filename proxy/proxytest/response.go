package proxytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Response is an HTTP answer as a test sees it, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ReadResponse reads resp's whole body and closes it.
func ReadResponse(resp *http.Response) (Response, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("read body: %w", err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// JSON decodes the body as a JSON object, failing the test when it is not one.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not a JSON object (status %d): %v\n%s", r.Status, err, r.Body)
	}
	return m
}
