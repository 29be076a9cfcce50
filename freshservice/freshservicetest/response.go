package freshservicetest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// response is an answer built under the lock and written afterwards, so that a fault can still
// replace or drop it once the state change has been made.
type response struct {
	status int
	header http.Header
	body   []byte
}

// fieldError is one entry of a "Validation failed" body.
type fieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// Freshservice error codes used by the emulator.
const (
	codeMissingField     = "missing_field"
	codeInvalidValue     = "invalid_value"
	codeDuplicateValue   = "duplicate_value"
	codeDatatypeMismatch = "datatype_mismatch"
	codeInvalidField     = "invalid_field"
	codeInvalidJSON      = "invalid_json"
	codeReadonlyField    = "readonly_field"
)

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value served is built from plain maps, slices and strings; failing here is a bug.
		panic("freshservicetest: encode response: " + err.Error())
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return response{status: status, header: h, body: b}
}

func emptyResponse(status int) response {
	return response{status: status, header: http.Header{}}
}

func validationFailed(status int, errs ...fieldError) response {
	return jsonResponse(status, map[string]any{"description": "Validation failed", "errors": errs})
}

func badRequest(errs ...fieldError) response { return validationFailed(http.StatusBadRequest, errs...) }

func notFound() response { return jsonResponse(http.StatusNotFound, map[string]any{}) }

func codeMessage(status int, code, message string) response {
	return jsonResponse(status, map[string]string{"code": code, "message": message})
}

func unauthorized() response {
	return codeMessage(http.StatusUnauthorized, "invalid_credentials", "You have to be logged in to perform this action.")
}

func forbidden() response {
	return codeMessage(http.StatusForbidden, "access_denied", "You are not authorized to perform this action.")
}

func duplicate(field string) response {
	return validationFailed(http.StatusConflict, fieldError{Field: field, Message: "It should be a unique value", Code: codeDuplicateValue})
}

// created answers 201 with the Location of the new object.
func created(q *request, path string, id int64, v any) response {
	r := jsonResponse(http.StatusCreated, v)
	r.header.Set("Location", q.base+"/api/v2/"+path+"/"+strconv.FormatInt(id, 10))
	return r
}

// write sends the response; the rate headers were set on h beforehand.
func (r response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	h.Set("X-Freshservice-Api-Version", "latest=v2; requested=v2")
	w.WriteHeader(r.status)
	if len(r.body) > 0 {
		_, _ = w.Write(r.body)
	}
}
