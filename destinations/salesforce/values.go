package salesforce

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// choiceLabels maps a choice column's Dataverse option values back to the
// labels the rules gave them, which must be the Salesforce picklist
// values: the plan carries only the option value.
type choiceLabels map[string]map[int64]string

func newChoiceLabels(specs []mapping.RecordSpec) choiceLabels {
	c := choiceLabels{}
	for _, s := range specs {
		for _, col := range s.Columns {
			if len(col.Choices) == 0 {
				continue
			}
			m := map[int64]string{}
			for label, v := range col.Choices {
				m[v] = label
			}
			c[strings.ToLower(s.Entity+"."+col.Name)] = m
		}
	}
	return c
}

func (c choiceLabels) label(entity, column string, v int64) (string, error) {
	if l, ok := c[strings.ToLower(entity+"."+column)][v]; ok {
		return l, nil
	}
	return "", permanent("plan_choice", fmt.Sprintf("%s.%s: option value %d has no label in the rules: "+
		"Salesforce picklists take the value's text", entity, column, v))
}

// jsonValue turns a plan value into its Salesforce JSON form: choices
// become picklist values ("A;B" for multi-select), everything else is
// already in a form Salesforce takes (dates "YYYY-MM-DD", datetimes RFC
// 3339 in UTC, numbers exact decimal text).
func (d *Destination) jsonValue(entity, column string, v mapping.Value) (any, error) {
	if v.V == nil {
		return nil, nil
	}
	switch v.Type {
	case mapping.TypeChoice:
		n, ok := v.V.(int64)
		if !ok {
			return nil, permanent("plan_invalid", fmt.Sprintf("%s.%s: choice value %v is not an option value", entity, column, v.V))
		}
		return d.choices.label(entity, column, n)
	case mapping.TypeMultiChoice:
		s, _ := v.V.(string)
		var labels []string
		for part := range strings.SplitSeq(s, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				return nil, permanent("plan_invalid", fmt.Sprintf("%s.%s: multi-choice value %q is not a list of option values", entity, column, s))
			}
			l, err := d.choices.label(entity, column, n)
			if err != nil {
				return nil, err
			}
			labels = append(labels, l)
		}
		return strings.Join(labels, ";"), nil
	}
	return v.V, nil
}

// keyText is a key value as it goes into an upsert URL or a SOQL literal.
func keyText(v mapping.Value) (string, error) {
	switch x := v.V.(type) {
	case string:
		if x == "" {
			return "", fmt.Errorf("the key value is empty")
		}
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case nil:
		return "", fmt.Errorf("the key value is null")
	}
	return fmt.Sprint(v.V), nil
}
