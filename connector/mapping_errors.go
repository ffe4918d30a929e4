package connector

import (
	"errors"

	"github.com/numora/numora-connector/mapping"
)

// mappingDecision sorts a Render error: a skip of the rules (reported
// skipped with its reason), or a failure (reported failed with the first
// problem's code).
func mappingDecision(err error) decision {
	var skip *mapping.SkipError
	if errors.As(err, &skip) {
		return skipped(CodeSkipRule, skip.Reason)
	}
	var re *mapping.RenderError
	if errors.As(err, &re) {
		return failed(re.Code(), err.Error())
	}
	return failed(CodeMapping, err.Error())
}
