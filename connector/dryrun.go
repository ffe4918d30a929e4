package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/numora/numora-connector/destinations"
	"github.com/numora/numora-connector/mapping"
)

// preview prints what would be written for one document and decides as a
// real run would, as far as reads can tell: a destination that rehearses
// (destinations.Rehearser) runs its lookups and checks the values, so its
// skips and refusals are predicted; otherwise the destination's exact
// requests (destinations.Previewer) or the plan as JSON are printed and the document
// counts as delivered. Nothing is ever written or reported.
func (c *Connector) preview(ctx context.Context, id string, plan *mapping.Plan, renderErr error) decision {
	var b bytes.Buffer
	d := decision{outcome: Delivered}
	switch {
	case renderErr != nil:
		d = mappingDecision(renderErr)
		fmt.Fprintf(&b, "# %s: would report %s: %s\n", id, d.callback, d.message)
	default:
		d = c.rehearse(ctx, &b, id, plan)
	}
	b.WriteByte('\n')
	c.dryMu.Lock()
	defer c.dryMu.Unlock()
	_, _ = c.cfg.DryRunOutput.Write(b.Bytes())
	return d
}

// rehearse prints the requests for a plan and decides its outcome.
func (c *Connector) rehearse(ctx context.Context, b *bytes.Buffer, id string, plan *mapping.Plan) decision {
	var body bytes.Buffer
	err := c.render(ctx, &body, plan)
	if err == nil {
		fmt.Fprintf(b, "# %s: would write %d record(s)\n", id, len(plan.Records))
		b.Write(body.Bytes())
		return decision{outcome: Delivered}
	}
	d := failed(CodeMapping, "preview: "+err.Error())
	var de *destinations.Error
	if errors.As(err, &de) {
		d = destinationDecision(err)
	}
	if d.callback != "" {
		fmt.Fprintf(b, "# %s: would report %s %s: %s\n", id, d.callback, d.code, d.message)
	} else {
		fmt.Fprintf(b, "# %s: would leave it for retry (%s): %s\n", id, d.code, d.message)
	}
	return d
}

func (c *Connector) render(ctx context.Context, b *bytes.Buffer, plan *mapping.Plan) error {
	if r, ok := c.dst.(destinations.Rehearser); ok {
		return r.Rehearse(ctx, plan, b)
	}
	if pv, ok := c.dst.(destinations.Previewer); ok {
		return pv.Preview(ctx, plan, b)
	}
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	return enc.Encode(plan)
}
