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
// for attribute names. raw must already have decoded without error.
func duplicateKey(raw []byte) (string, bool) {
	type frame struct {
		keys      map[string]bool // nil for an array
		expectKey bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].keys != nil {
			stack[n-1].expectKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, expectKey: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].expectKey {
			name, _ := tok.(string)
			key := strings.ToLower(name)
			if stack[n-1].keys[key] {
				return name, true
			}
			stack[n-1].keys[key] = true
			stack[n-1].expectKey = false
			continue
		}
		valueDone()
	}
}
