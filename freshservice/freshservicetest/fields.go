package freshservicetest

import (
	"net/http"
)

// defaultUserFields are the built-in fields every account lists before its custom ones.
var defaultUserFields = []struct{ name, label, kind string }{
	{"first_name", "First Name", "default_first_name"},
	{"last_name", "Last Name", "default_last_name"},
	{"job_title", "Job Title", "default_job_title"},
	{"primary_email", "Email", "default_email"},
	{"department", "Department", "default_department"},
	{"reporting_manager", "Reporting Manager", "default_reporting_manager"},
	{"time_zone", "Time Zone", "default_time_zone"},
	{"language", "Language", "default_language"},
	{"location", "Location", "default_location"},
}

// listRequesterFields answers GET /requester_fields and listAgentFields GET /agent_fields: the
// built-in fields and Options.CustomFields (the emulated account configures them for both).
func (e *Emulator) listRequesterFields(q *request) response {
	return e.userFields(q, "requester_fields")
}

func (e *Emulator) listAgentFields(q *request) response {
	return e.userFields(q, "agent_fields")
}

func (e *Emulator) userFields(q *request, key string) response {
	if _, _, bad := listQuery(q); bad != nil {
		return *bad
	}
	var fields []map[string]any
	for _, f := range defaultUserFields {
		fields = append(fields, map[string]any{"id": int64(len(fields) + 1), "name": f.name, "label": f.label,
			"type": f.kind, "position": len(fields) + 1, "choices": []any{}})
	}
	for _, cf := range e.opts.CustomFields {
		choices := []any{}
		for _, c := range cf.Choices {
			choices = append(choices, c)
		}
		fields = append(fields, map[string]any{"id": int64(len(fields) + 1), "name": cf.Name, "label": cf.Name,
			"type": cf.Type, "position": len(fields) + 1, "choices": choices})
	}
	return jsonResponse(http.StatusOK, map[string]any{key: fields})
}
