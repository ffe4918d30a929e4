package salesforce

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// jsonValue turns a plan value into its Salesforce JSON form: a choice is
// its label (the picklist value), a multi-choice its labels joined with
// ";"; dates "YYYY-MM-DD", datetimes their instant in RFC 3339 UTC,
// numbers exact decimal text, booleans and whole numbers as they are.
func jsonValue(v mapping.Value) any {
	if v.IsNull() {
		return nil
	}
	switch v.Type {
	case mapping.TypeInt:
		return v.Int()
	case mapping.TypeBool:
		return v.Bool()
	case mapping.TypeDecimal, mapping.TypeMoney:
		return json.Number(v.Text())
	case mapping.TypeChoice, mapping.TypeMultiChoice:
		return picklistText(v)
	}
	return v.Text()
}

// picklistText is a choice's label, or a multi-choice's labels joined
// with ";" as multi-select picklists take them.
func picklistText(v mapping.Value) string {
	labels := make([]string, len(v.Options()))
	for i, o := range v.Options() {
		labels[i] = o.Label
	}
	return strings.Join(labels, ";")
}

// keyText is a key value as it goes into an upsert URL or a SOQL literal.
func keyText(v mapping.Value) (string, error) {
	if v.IsNull() {
		return "", fmt.Errorf("the key value is null")
	}
	s := v.Text()
	if v.Type == mapping.TypeChoice || v.Type == mapping.TypeMultiChoice {
		s = picklistText(v)
	}
	if s == "" {
		return "", fmt.Errorf("the key value is empty")
	}
	return s, nil
}
