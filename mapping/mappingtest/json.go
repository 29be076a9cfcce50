// Package mappingtest holds what the tests of mapping and of the packages that feed it share: request
// bodies decoded as the HTTP surface decodes them, JSON comparison helpers, and a stand-in for what
// Freshservice does with a write.
package mappingtest

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

// DecodeBody decodes a request body as the HTTP surface and the SCIM library do: numbers as
// json.Number.
func DecodeBody(tb testing.TB, body string) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatalf("decode %s: %v", body, err)
	}
	return m
}

// JSONValue re-encodes a value so that two values compare equal when their JSON is equal.
func JSONValue(tb testing.TB, v any) any {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal %#v: %v", v, err)
	}
	return JSONText(tb, string(b))
}

// JSONText decodes JSON text into plain maps, slices, strings, float64s and bools.
func JSONText(tb testing.TB, text string) any {
	tb.Helper()
	var out any
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		tb.Fatalf("unmarshal %s: %v", text, err)
	}
	return out
}

// ContainsJSON reports whether got holds everything in want: objects may have more keys, anything
// else must be equal.
func ContainsJSON(want, got any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, got)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range wm {
		gv, ok := gm[k]
		if !ok || !ContainsJSON(wv, gv) {
			return false
		}
	}
	return true
}

// WriteWire is the JSON a write sends to a requester endpoint: UserFields plus primary_email.
func WriteWire(tb testing.TB, f freshservice.UserFields) map[string]any {
	tb.Helper()
	m, _ := JSONValue(tb, f).(map[string]any)
	if f.Email != nil {
		m["primary_email"] = *f.Email
	}
	return m
}
