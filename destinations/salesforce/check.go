package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// Check proves the credentials and the connection: it gets a token and
// reads /limits, which also tells the daily API usage Deliver's reserve
// is measured against.
func (d *Destination) Check(ctx context.Context) error {
	resp, err := d.call(ctx, "GET", "limits", nil)
	if err != nil {
		return err
	}
	used, max, err := parseLimits(resp.body)
	if err != nil {
		return transient("crm_bad_response", err.Error())
	}
	d.usage.set(used, max)
	return nil
}

// parseLimits reads DailyApiRequests from a /limits answer; Max and
// Remaining may be numbers or (older versions) strings.
func parseLimits(body []byte) (used, max int, err error) {
	var l struct {
		Daily struct {
			Max       json.RawMessage `json:"Max"`
			Remaining json.RawMessage `json:"Remaining"`
		} `json:"DailyApiRequests"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return 0, 0, fmt.Errorf("salesforce: /limits answer is not JSON: %w", err)
	}
	max, err1 := flexInt(l.Daily.Max)
	rem, err2 := flexInt(l.Daily.Remaining)
	if err1 != nil || err2 != nil || max <= 0 || rem < 0 || rem > max {
		return 0, 0, fmt.Errorf("salesforce: /limits has no usable DailyApiRequests")
	}
	return max - rem, max, nil
}

func flexInt(raw json.RawMessage) (int, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strconv.Atoi(s)
	}
	var n int
	err := json.Unmarshal(raw, &n)
	return n, err
}
