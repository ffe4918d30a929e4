package dynamics365

import (
	"strings"

	"github.com/numora/numora-connector/mapping"
)

// RulesWarnings notes, without reading metadata, what in the rules'
// record specs cannot be right for Dataverse: a column name with upper-case
// letters (Dataverse column logical names are lower case; only navigation
// properties, used with ref or lookup, keep their case). validate and run
// print them with the rules' own warnings; validate --online checks every
// name against the environment.
func RulesWarnings(specs []mapping.RecordSpec) []mapping.Problem {
	var out []mapping.Problem
	for _, s := range specs {
		for _, c := range s.Columns {
			if c.Name != strings.ToLower(c.Name) {
				out = append(out, mapping.Problem{Pos: c.Pos, Message: "column \"" + c.Name + "\" has upper-case letters: " +
					"Dataverse column names are lower case (only navigation properties, used with ref or lookup, keep their case)"})
			}
		}
	}
	return out
}
