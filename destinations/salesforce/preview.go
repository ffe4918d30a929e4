package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/numora/numora-connector/mapping"
)

// Preview writes the reads Deliver would make (as queries, their answers
// as placeholders) and the composite request it would send. It makes no
// request; metadata already read is used (without it, binds are shown
// by the plan's names and lookups as SOQL queries).
func (d *Destination) Preview(ctx context.Context, plan *mapping.Plan, out io.Writer) error {
	w, err := d.prepare(ctx, plan, true, out)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "POST %s\nContent-Type: application/json\n\n", d.apiPath("composite")); err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(w.compose())
}
