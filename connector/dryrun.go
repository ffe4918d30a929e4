package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/numora/numora-connector/mapping"
)

// preview prints what would be written for one document: the destination's
// exact requests when it is a previewer, else the plan as JSON. It decides
// as a real run would up to the write, which it never does.
func (c *Connector) preview(ctx context.Context, id string, plan *mapping.Plan, renderErr error) decision {
	var b bytes.Buffer
	d := decision{outcome: Delivered}
	switch {
	case renderErr != nil:
		d = mappingDecision(renderErr)
		fmt.Fprintf(&b, "# %s: would report %s: %s\n", id, d.callback, d.message)
	default:
		fmt.Fprintf(&b, "# %s: would write %d record(s)\n", id, len(plan.Records))
		if err := c.render(ctx, &b, plan); err != nil {
			d = failed(CodeMapping, "preview: "+err.Error())
			fmt.Fprintf(&b, "# %s: preview failed: %v\n", id, err)
		}
	}
	b.WriteByte('\n')
	c.dryMu.Lock()
	defer c.dryMu.Unlock()
	_, _ = c.cfg.DryRunOutput.Write(b.Bytes())
	return d
}

func (c *Connector) render(ctx context.Context, b *bytes.Buffer, plan *mapping.Plan) error {
	if pv, ok := c.dst.(previewer); ok {
		return pv.Preview(ctx, plan, b)
	}
	enc := json.NewEncoder(b)
	enc.SetIndent("", "  ")
	return enc.Encode(plan)
}
