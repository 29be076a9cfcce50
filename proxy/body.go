package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	scimerrors "github.com/elimity-com/scim/errors"
)

// readJSONBody reads and parses a request body, answering the caller's mistakes as SCIM errors.
func readJSONBody(r *http.Request) (map[string]any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || mt == "application/scim+json" || strings.HasSuffix(mt, "+json") || mt == "text/json") {
			return nil, scimError(http.StatusUnsupportedMediaType, "", "Content-Type %q is not supported; send application/scim+json.", ct)
		}
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return nil, scimError(http.StatusRequestEntityTooLarge, "", "The request body is larger than %d bytes.", maxBodyBytes)
		}
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body could not be read.")
	}
	if !utf8.Valid(raw) {
		// encoding/json would quietly turn the bad bytes into U+FFFD and store that in Freshservice.
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidValue, "The request body is not valid UTF-8.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body is not a valid JSON object: %s.", jsonProblem(err))
	}
	if dec.More() {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body has data after its JSON object.")
	}
	if body == nil {
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body must be a JSON object.")
	}
	if err := checkBodySize(body); err != nil {
		return nil, err
	}
	if name, dup := duplicateKey(raw); dup {
		// Decoding keeps one of the two values; which one the caller meant is unknown.
		return nil, scimError(http.StatusBadRequest, scimerrors.ScimTypeInvalidSyntax, "The request body names %q twice (attribute names are case-insensitive).", name)
	}
	return body, nil
}

// jsonProblem describes a JSON syntax error without quoting the body back.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return "expected an object"
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the body is empty or cut short"
	}
	return "malformed JSON"
}

// duplicateKey finds an object in a JSON document that names a key twice, ignoring case as SCIM does
// for attribute names, and returns the second spelling. raw must already have decoded without error:
// the scan relies on it being valid JSON, where a string followed by a colon is always a key. It
// reads the bytes once without building tokens, since it runs on every body.
func duplicateKey(raw []byte) (string, bool) {
	var stack []keySet // one per open object or array (nil keys for an array)
	for i := 0; i < len(raw); {
		switch raw[i] {
		case '{':
			stack = append(stack, keySet{object: true})
			i++
		case '[':
			stack = append(stack, keySet{})
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			i++
		case '"':
			end, escaped := stringEnd(raw, i)
			next := end
			for next < len(raw) && (raw[next] == ' ' || raw[next] == '\t' || raw[next] == '\n' || raw[next] == '\r') {
				next++
			}
			if n := len(stack); n > 0 && stack[n-1].object && next < len(raw) && raw[next] == ':' {
				name := string(raw[i+1 : end-1])
				if escaped {
					_ = json.Unmarshal(raw[i:end], &name)
				}
				if stack[n-1].add(name) {
					return name, true
				}
				end = next + 1
			}
			i = end
		default:
			i++
		}
	}
	return "", false
}

// stringEnd returns the index just past the JSON string starting at raw[start] (a quote), and
// whether it holds an escape.
func stringEnd(raw []byte, start int) (int, bool) {
	escaped := false
	for i := start + 1; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return i + 1, escaped
		}
	}
	return len(raw), escaped
}

// keySet is the keys seen in one JSON object, lower-cased: a short list while it is small, a map once
// an object has many keys, so that a body of one huge object is not scanned quadratically.
type keySet struct {
	object bool
	list   []string
	set    map[string]struct{}
}

// keySetListMax is the most keys kept in a list; SCIM objects have a handful.
const keySetListMax = 16

// add records name and reports whether the object already had it.
func (k *keySet) add(name string) bool {
	key := strings.ToLower(name)
	if k.set != nil {
		if _, dup := k.set[key]; dup {
			return true
		}
		k.set[key] = struct{}{}
		return false
	}
	for _, seen := range k.list {
		if seen == key {
			return true
		}
	}
	if len(k.list) < keySetListMax {
		k.list = append(k.list, key)
		return false
	}
	k.set = make(map[string]struct{}, 2*keySetListMax)
	for _, seen := range k.list {
		k.set[seen] = struct{}{}
	}
	k.set[key] = struct{}{}
	k.list = nil
	return false
}
