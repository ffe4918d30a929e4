package dataversetest

import (
	"fmt"
	"testing"
)

// statecode and statuscode (dataverse.md §2, §13): a statuscode must
// belong to the row's statecode (400 0x80048408 otherwise), a statecode
// alone brings its state's status, and the metadata lists them as the
// State and Status attributes, each status option naming its state.
func TestStateAndStatus(t *testing.T) {
	tests := []struct {
		name, body   string
		code         string // "" = accepted
		refused      int64  // the statuscode the message names
		state, stat  int64  // the row's afterwards
		createWithIt bool
	}{
		{"deactivate with the inactive status", `{"statecode":1,"statuscode":2}`, "", 0, 1, 2, false},
		{"statecode alone takes its status", `{"statecode":1}`, "", 0, 1, 2, false},
		{"inactive state with an active status", `{"statecode":1,"statuscode":1}`, codeInvalidStatus, 1, 0, 1, false},
		{"inactive status on an active row", `{"statuscode":2}`, codeInvalidStatus, 2, 0, 1, false},
		{"a new row with an inactive status", `{"new_name":"n","statuscode":2}`, codeInvalidStatus, 2, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			c := newAPIClient(t, s)
			if tt.createWithIt {
				wantError(t, c.call("POST", "new_vendorinvoicelines", tt.body), 400, tt.code)
				if n := s.Count("new_vendorinvoicelines"); n != 0 {
					t.Errorf("%d rows, want none", n)
				}
				return
			}
			wantStatus(t, c.call("POST", "new_vendorinvoicelines", `{"new_name":"l","statecode":0,"statuscode":1}`), 204)
			id := s.Rows("new_vendorinvoicelines")[0]["new_vendorinvoicelineid"]
			r := c.call("PATCH", fmt.Sprintf("new_vendorinvoicelines(%v)", id), tt.body, "If-Match", "*")
			if tt.code != "" {
				msg := wantError(t, r, 400, tt.code)
				if want := fmt.Sprintf("%d is not a valid status code for state code new_vendorinvoicelineState.", tt.refused); len(msg) < len(want) || msg[:len(want)] != want {
					t.Errorf("message %q, want it to start %q", msg, want)
				}
			} else {
				wantStatus(t, r, 204)
			}
			row := s.Rows("new_vendorinvoicelines")[0]
			if st, _ := asInt64(row["statecode"]); st != tt.state {
				t.Errorf("statecode %v, want %d", row["statecode"], tt.state)
			}
			if st, _ := asInt64(row["statuscode"]); st != tt.stat {
				t.Errorf("statuscode %v, want %d", row["statuscode"], tt.stat)
			}
		})
	}
}

func TestStateAndStatusMetadata(t *testing.T) {
	s := newTestServer(t)
	c := newAPIClient(t, s)
	root := "EntityDefinitions(LogicalName='new_vendorinvoiceline')/Attributes/Microsoft.Dynamics.CRM."
	status := values(t, c.call("GET", root+"StatusAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)", ""))
	if len(status) != 1 || status[0]["LogicalName"] != "statuscode" {
		t.Fatalf("status attributes %v, want statuscode", status)
	}
	opts := status[0]["OptionSet"].(map[string]any)["Options"].([]any)
	if len(opts) != 2 || fmt.Sprint(opts[1].(map[string]any)["State"]) != "1" {
		t.Errorf("statuscode options %v, want Inactive (2) in state 1", opts)
	}
	state := values(t, c.call("GET", root+"StateAttributeMetadata?$select=LogicalName,AttributeType", ""))
	if len(state) != 1 || state[0]["LogicalName"] != "statecode" || state[0]["AttributeType"] != "State" {
		t.Errorf("state attributes %v, want statecode of type State", state)
	}
	if picks := values(t, c.call("GET", root+"PicklistAttributeMetadata?$select=LogicalName", "")); len(picks) != 0 {
		t.Errorf("picklists %v, want none (statecode and statuscode are State and Status)", picks)
	}
}
