package freshservice_test

import (
	"encoding/json"
	"testing"

	"github.com/fsscim/fsscim/freshservice"
)

// TestFlexibleFieldsDecode: phone numbers and external ids read as text whether Freshservice sends
// strings (escaped, non-ASCII or plain) or numbers, and ids as numbers or null.
func TestFlexibleFieldsDecode(t *testing.T) {
	for _, tt := range []struct {
		json     string
		phone    string
		external string
		manager  int64
	}{
		{`{"work_phone_number":"+1 555 0100","external_id":"a1b2","reporting_manager_id":21000000042}`, "+1 555 0100", "a1b2", 21000000042},
		{`{"work_phone_number":5550100,"external_id":12.50,"reporting_manager_id":null}`, "5550100", "12.50", 0},
		{`{"work_phone_number":"\u002b49 \"30\"","external_id":"Zoë/ü","reporting_manager_id": -3 }`, `+49 "30"`, "Zoë/ü", -3},
		{`{"work_phone_number":null,"external_id":"tab\there"}`, "", "tab\there", 0},
		{`{"work_phone_number":"","external_id":""}`, "", "", 0},
	} {
		var u freshservice.User
		if err := json.Unmarshal([]byte(tt.json), &u); err != nil {
			t.Errorf("%s: %v", tt.json, err)
			continue
		}
		if string(u.WorkPhoneNumber) != tt.phone || string(u.ExternalID) != tt.external || int64(u.ReportingManagerID) != tt.manager {
			t.Errorf("%s read as phone %q, external id %q, manager %d", tt.json, u.WorkPhoneNumber, u.ExternalID, u.ReportingManagerID)
		}
	}
	for _, bad := range []string{`{"reporting_manager_id":"7"}`, `{"reporting_manager_id":1.5}`, `{"work_phone_number":true}`} {
		var u freshservice.User
		if err := json.Unmarshal([]byte(bad), &u); err == nil {
			t.Errorf("%s decoded without error: %+v", bad, u)
		}
	}
}
