package freshservicetest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// body is a decoded JSON object request body, values kept raw so each field's type can be checked
// and reported the way Freshservice does.
type body map[string]json.RawMessage

func parseBody(raw []byte) (body, *fieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, &fieldError{Message: "Request body has invalid json format", Code: codeInvalidJSON}
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, &fieldError{Message: "Request body has invalid json format", Code: codeInvalidJSON}
	}
	return b, nil
}

// keys returns the body's keys sorted, so errors come out in a stable order.
func (b body) keys() []string {
	ks := make([]string, 0, len(b))
	for k := range b {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func mismatch(field, want string) *fieldError {
	return &fieldError{Field: field, Message: "It should be a/an " + want, Code: codeDatatypeMismatch}
}

func invalidValue(field, message string) *fieldError {
	return &fieldError{Field: field, Message: message, Code: codeInvalidValue}
}

func missing(field string) *fieldError {
	return &fieldError{Field: field, Message: "It should not be blank as this is a mandatory field", Code: codeMissingField}
}

func invalidField(field string) *fieldError {
	return &fieldError{Field: field, Message: "Unexpected/invalid field in request", Code: codeInvalidField}
}

func readonlyField(field string) *fieldError {
	return &fieldError{Field: field, Message: "It is a read-only field and cannot be set", Code: codeReadonlyField}
}

// readString accepts a JSON string or null (as "").
func readString(field string, raw json.RawMessage) (string, *fieldError) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", mismatch(field, "String")
	}
	return s, nil
}

// readFlexString accepts a string, a number or null: phones and external_id are documented as numbers
// but sent as strings.
func readFlexString(field string, raw json.RawMessage) (string, *fieldError) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return "", nil
	}
	if len(raw) > 0 && raw[0] == '"' {
		return readString(field, raw)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", mismatch(field, "String")
	}
	return n.String(), nil
}

func readBool(field string, raw json.RawMessage) (bool, *fieldError) {
	var v bool
	if isNull(raw) || json.Unmarshal(raw, &v) != nil {
		return false, mismatch(field, "Boolean")
	}
	return v, nil
}

// readInt accepts an integer literal only (1.5, "1" and true are type mismatches).
func readInt(field string, raw json.RawMessage) (int64, *fieldError) {
	v, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, mismatch(field, "Integer")
	}
	return v, nil
}

// readID accepts a positive integer or null (0).
func readID(field string, raw json.RawMessage) (int64, *fieldError) {
	if isNull(raw) {
		return 0, nil
	}
	v, fe := readInt(field, raw)
	if fe != nil {
		return 0, mismatch(field, "Positive Integer")
	}
	if v <= 0 {
		return 0, invalidValue(field, "It should be a/an Positive Integer")
	}
	return v, nil
}

// readArray reads a JSON array (not null), leaving its items to the caller.
func readArray(field string, raw json.RawMessage) ([]json.RawMessage, *fieldError) {
	var items []json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &items) != nil {
		return nil, mismatch(field, "Array")
	}
	return items, nil
}

// readList reads a JSON array whose every item read accepts; kind names the array in the refusal.
func readList[T any](field string, raw json.RawMessage, kind string, read func(json.RawMessage) (T, bool)) ([]T, *fieldError) {
	items, fe := readArray(field, raw)
	if fe != nil {
		return nil, fe
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		v, ok := read(it)
		if !ok {
			return nil, mismatch(field, kind)
		}
		out = append(out, v)
	}
	return out, nil
}

// readIDList reads positive ids, each once in the order first given.
func readIDList(field string, raw json.RawMessage) ([]int64, *fieldError) {
	ids, fe := readList(field, raw, "Array of Positive Integer", func(it json.RawMessage) (int64, bool) {
		v, fe := readInt(field, it)
		return v, fe == nil && v > 0
	})
	if fe != nil {
		return nil, fe
	}
	out := ids[:0]
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

func readStringList(field string, raw json.RawMessage) ([]string, *fieldError) {
	return readList(field, raw, "Array of String", func(it json.RawMessage) (string, bool) {
		var s string
		return s, json.Unmarshal(it, &s) == nil
	})
}

func readObject(field string, raw json.RawMessage) (body, *fieldError) {
	raw = bytes.TrimSpace(raw)
	var b body
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &b) != nil {
		return nil, mismatch(field, "key/value pair")
	}
	return b, nil
}

// validEmail is the shape check Freshservice applies: one @ with text on both sides, no spaces.
func validEmail(s string) bool {
	at := bytes.IndexByte([]byte(s), '@')
	return at > 0 && at == bytes.LastIndexByte([]byte(s), '@') && at < len(s)-1 &&
		!bytes.ContainsAny([]byte(s), " \t\r\n")
}
