package dataversetest

import (
	"encoding/json"
	"net/http"
)

// codeInvalidStatus is Dataverse's code for a statuscode that does not
// belong to the row's statecode.
const codeInvalidStatus = "0x80048408"

// settleStatus applies Dataverse's state rules to the row a write builds
// (dataverse.md §2 "set statuscode together with statecode", §13): a
// statecode written without a statuscode gets that state's first status,
// and a statuscode must belong to the row's statecode (Active, 0, when the
// row has none). Tables whose statuscode options name no state are not
// checked.
func settleStatus(td *tableDef, r *row, body *writeBody) *response {
	status := td.attrs["statuscode"]
	if status == nil || body == nil || !hasStates(status) {
		return nil
	}
	_, setState := body.values["statecode"]
	_, setStatus := body.values["statuscode"]
	if !setState && !setStatus {
		return nil
	}
	state, _ := asInt64(r.values.get("statecode"))
	if !setStatus {
		for _, o := range status.Options {
			if o.State != nil && *o.State == state {
				values := r.values.toMap()
				values["statuscode"] = o.Value
				r.values = fieldsOf(values)
				return nil
			}
		}
	}
	code, _ := asInt64(r.values.get("statuscode"))
	for _, o := range status.Options {
		if o.Value == code && o.State != nil && *o.State == state {
			return nil
		}
	}
	return errorf(http.StatusBadRequest, codeInvalidStatus, "%d is not a valid status code for state code %sState.%s on %s with Id %s.",
		code, td.LogicalName, td.opts["statecode"][state], td.LogicalName, r.id)
}

// hasStates reports whether a statuscode column's options name their state.
func hasStates(a *Attribute) bool {
	for _, o := range a.Options {
		if o.State != nil {
			return true
		}
	}
	return false
}

// asInt64 reads a stored whole number.
func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
