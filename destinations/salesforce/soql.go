package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// identRE is what a SOQL object or field name may look like (relationship
// paths included); names from the rules are checked against it before
// they go into a query.
var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)

// soqlEscaper escapes a string literal's content: backslash, both quotes
// and the control characters SOQL names (\n \r \t \b \f).
var soqlEscaper = strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`,
	"\b", `\b`, "\f", `\f`)

// soqlString is s as a quoted SOQL literal.
func soqlString(s string) string { return "'" + soqlEscaper.Replace(s) + "'" }

// soqlLiteral is a plan value as a SOQL literal: text, choices and GUIDs
// quoted and escaped, numbers and booleans bare, dates and datetimes
// unquoted.
func soqlLiteral(v mapping.Value) (string, error) {
	if v.IsNull() {
		return "null", nil
	}
	switch v.Type {
	case mapping.TypeString, mapping.TypeGUID:
		return soqlString(v.Text()), nil
	case mapping.TypeChoice, mapping.TypeMultiChoice:
		return soqlString(picklistText(v)), nil
	case mapping.TypeInt, mapping.TypeBool, mapping.TypeDecimal, mapping.TypeMoney, mapping.TypeDate, mapping.TypeDateTime:
		return v.Text(), nil
	}
	return "", fmt.Errorf("no SOQL literal for a %s value", v.Type)
}

// soqlWhere is "a = 'x' AND b = 1" for cols.
func soqlWhere(cols []mapping.Column) (string, error) {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		if !identRE.MatchString(c.Name) {
			return "", fmt.Errorf("%q is not a field name", c.Name)
		}
		lit, err := soqlLiteral(c.Value)
		if err != nil {
			return "", fmt.Errorf("%s: %w", c.Name, err)
		}
		parts = append(parts, c.Name+" = "+lit)
	}
	return strings.Join(parts, " AND "), nil
}

// soqlIn is "field IN ('a', 'b')".
func soqlIn(field string, vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = soqlString(v)
	}
	return field + " IN (" + strings.Join(q, ", ") + ")"
}

// queryPath is the query resource for soql.
func queryPath(soql string) string { return "query?q=" + url.QueryEscape(soql) }

// queryPage is a query answer.
type queryPage struct {
	TotalSize int                          `json:"totalSize"`
	Done      bool                         `json:"done"`
	NextURL   string                       `json:"nextRecordsUrl"`
	Records   []map[string]json.RawMessage `json:"records"`
}

// query runs soql and returns its records (every page).
func (d *Destination) query(ctx context.Context, soql string) ([]map[string]json.RawMessage, error) {
	path := queryPath(soql)
	var out []map[string]json.RawMessage
	for page := 0; ; page++ {
		resp, err := d.call(ctx, "GET", path, nil)
		if err != nil {
			return nil, err
		}
		var p queryPage
		if err := json.Unmarshal(resp.body, &p); err != nil {
			return nil, transient("crm_bad_response", "query: the answer is not a query result")
		}
		out = append(out, p.Records...)
		next, ok := strings.CutPrefix(p.NextURL, d.apiPath(""))
		if p.Done || !ok || page > 100 {
			return out, nil
		}
		path = next
	}
}

// stringField is record[name] as a string ("" if absent or not a string).
func stringField(rec map[string]json.RawMessage, name string) string {
	var s string
	_ = json.Unmarshal(rec[name], &s)
	return s
}
