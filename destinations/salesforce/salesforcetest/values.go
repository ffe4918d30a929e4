package salesforcetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// apiError is one error of Salesforce's error body
// [{"message","errorCode","fields"}], with the HTTP status it comes with.
type apiError struct {
	Status  int      `json:"-"`
	Message string   `json:"message"`
	Code    string   `json:"errorCode"`
	Fields  []string `json:"fields,omitempty"`
}

func badField(msg, field string) *apiError {
	return &apiError{Status: 400, Code: "INVALID_FIELD", Message: msg, Fields: []string{field}}
}

func jsonError(err error) *apiError {
	return &apiError{Status: 400, Code: "JSON_PARSER_ERROR", Message: "Cannot deserialize instance: " + err.Error()}
}

func badValue(f *Field, v string) *apiError {
	return &apiError{Status: 400, Code: "INVALID_TYPE_ON_FIELD_IN_RECORD", Fields: []string{f.Name},
		Message: fmt.Sprintf("%s: value not of required type: %s", f.Name, v)}
}

// dateTimeLayouts are the dateTime forms Salesforce accepts.
var dateTimeLayouts = []string{"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"}

// convert checks raw against f's type and returns the stored value.
func (st *store) convert(o *Object, f *Field, raw json.RawMessage) (any, *apiError) {
	if string(raw) == "null" {
		if !f.Nillable {
			return nil, &apiError{Status: 400, Code: "REQUIRED_FIELD_MISSING", Fields: []string{f.Name},
				Message: "Required fields are missing: [" + f.Name + "]"}
		}
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, jsonError(err)
	}
	switch f.Type {
	case TypeDouble, TypeCurrency, TypePercent, TypeInt:
		return number(f, v, string(raw))
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return nil, badValue(f, string(raw))
		}
		return v, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, badValue(f, string(raw))
	}
	return st.text(f, s)
}

func number(f *Field, v any, raw string) (any, *apiError) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, badValue(f, raw)
	}
	if f.Type == TypeInt {
		if _, err := n.Int64(); err != nil {
			return nil, badValue(f, raw)
		}
	}
	x, _ := n.Float64()
	return x, nil
}

func (st *store) text(f *Field, s string) (any, *apiError) {
	switch f.Type {
	case TypeString, TypeTextArea:
		if f.Length > 0 && utf8.RuneCountInString(s) > f.Length {
			return nil, &apiError{Status: 400, Code: "STRING_TOO_LONG", Fields: []string{f.Name},
				Message: fmt.Sprintf("%s: data value too large: %s (max length=%d)", f.Name, s, f.Length)}
		}
	case TypeDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, badValue(f, s)
		}
	case TypeDateTime:
		return dateTime(f, s)
	case TypePicklist:
		return s, picklist(f, []string{s})
	case TypeMultiPicklist:
		return s, picklist(f, strings.Split(s, ";"))
	case TypeReference:
		return st.reference(f, s)
	}
	return s, nil
}

func dateTime(f *Field, s string) (any, *apiError) {
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Format("2006-01-02T15:04:05.000+0000"), nil
		}
	}
	return nil, badValue(f, s)
}

func picklist(f *Field, vals []string) *apiError {
	for _, v := range vals {
		if f.Restricted && !slices.Contains(f.Picklist, v) {
			return &apiError{Status: 400, Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Fields: []string{f.Name},
				Message: f.Name + ": bad value for restricted picklist field: " + v}
		}
	}
	return nil
}

func (st *store) reference(f *Field, s string) (any, *apiError) {
	if len(s) != 15 && len(s) != 18 {
		return nil, &apiError{Status: 400, Code: "MALFORMED_ID", Fields: []string{f.Name},
			Message: f.Name + ": id value of incorrect type: " + s}
	}
	o, id, _ := st.byID(s)
	if o == nil || !strings.EqualFold(o.Name, f.ReferenceTo) {
		return nil, &apiError{Status: 400, Code: "INVALID_CROSS_REFERENCE_KEY", Fields: []string{f.Name},
			Message: "invalid cross reference id"}
	}
	return id, nil
}
