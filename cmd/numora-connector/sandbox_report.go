package main

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/numora/numora-connector/connector"
	"github.com/numora/numora-connector/numora"
)

// lastRecorded is the last delivery Numora accepted for a document.
func (sb *sandbox) lastRecorded(id string) (numora.Delivery, bool) {
	var last numora.Delivery
	found := false
	for _, at := range sb.numora.Deliveries(id) {
		if at.StatusCode/100 == 2 {
			last, found = at.Delivery, true
		}
	}
	return last, found
}

// printOutcomes compares what Numora recorded with what each document was
// seeded for, and reports whether all match.
func (a *app) printOutcomes(sb *sandbox) bool {
	fmt.Fprintln(a.stdout, "\nDocuments (as Numora recorded them, against what each was seeded for):")
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	all := true
	for _, d := range sb.docs {
		got, ok := sb.lastRecorded(d.fixture.ID)
		match := ok && outcomeOf(got) == d.want && strings.HasPrefix(got.ErrorCode, d.code)
		mark, state := "ok", "nothing recorded"
		if ok {
			state = string(got.Status)
			if got.ErrorCode != "" {
				state += " " + got.ErrorCode
			}
		}
		if !match {
			mark, all = "UNEXPECTED", false
			state += fmt.Sprintf(" (seeded for %s %s)", d.want, d.code)
		} else if wrong := d.checkDestination(sb); wrong != "" {
			mark, all = "UNEXPECTED", false
			state += " but " + wrong
		} else if d.want != connector.Delivered {
			state += " (as seeded)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", mark, d.fixture.ID, state, d.note)
	}
	_ = tw.Flush()
	if all {
		fmt.Fprintln(a.stdout, "Every document behaved as seeded.")
	} else {
		fmt.Fprintln(a.stdout, "Some documents did NOT behave as seeded (marked UNEXPECTED).")
	}
	return all
}

// checkDestination runs the document's check of the destination, if any.
func (d seeded) checkDestination(sb *sandbox) string {
	if d.check == nil {
		return ""
	}
	return d.check(sb)
}

// outcomeOf maps a recorded callback to the connector outcome it means.
func outcomeOf(d numora.Delivery) connector.Outcome {
	switch d.Status {
	case numora.DeliverySucceeded:
		return connector.Delivered
	case numora.DeliverySkipped:
		return connector.Skipped
	}
	return connector.Failed
}

// printRows prints the rows now in the emulated destination.
func (a *app) printRows(sb *sandbox) {
	if sb.dest == destSalesforce {
		a.printSalesforceRows(sb)
		return
	}
	accounts := map[string]string{}
	for _, r := range sb.dv.Rows("accounts") {
		accounts[str(r["accountid"])] = str(r["name"])
	}
	invoices := sortedBy(sb.dv.Rows("new_vendorinvoices"), "new_invoicenumber")
	lines := map[string]int{}
	for _, r := range sb.dv.Rows(lineSet) {
		lines[str(r["new_invoiceid"])]++
	}
	fmt.Fprintf(a.stdout, "\nDataverse new_vendorinvoices (%d rows, %d new_vendorinvoicelines):\n", len(invoices),
		sb.dv.Count(lineSet))
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  invoice number\tvendor\ttotal\tcurrency\tdate\tlines\tnumora document")
	for _, r := range invoices {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\t%s\n", str(r["new_invoicenumber"]), accounts[str(r["new_vendorid"])],
			str(r["new_totalamount"]), currencyLabel(r["new_currency"]), str(r["new_invoicedate"]),
			lines[str(r["new_vendorinvoiceid"])], str(r["new_numoradocumentid"]))
	}
	_ = tw.Flush()
	methods := map[string]string{"100000000": "cash", "100000001": "card", "100000002": "other"}
	a.printSmallTable("new_receipts", "new_numoradocumentid", []string{"new_merchant", "new_receiptdate", "new_total", "new_paymentmethod"},
		map[string]map[string]string{"new_paymentmethod": methods}, sb)
	a.printSmallTable("new_contracts", "new_contractnumber", []string{"new_contractnumber", "new_startdate", "new_value", "new_counterpartyid"},
		map[string]map[string]string{"new_counterpartyid": accounts}, sb)
}

// printSmallTable prints cols of set's rows sorted by key; names maps a
// column's stored values to display names.
func (a *app) printSmallTable(set, key string, cols []string, names map[string]map[string]string, sb *sandbox) {
	rows := sortedBy(sb.dv.Rows(set), key)
	fmt.Fprintf(a.stdout, "\nDataverse %s (%d rows):\n", set, len(rows))
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(cols, "\t"))
	for _, r := range rows {
		vals := make([]string, len(cols))
		for i, c := range cols {
			vals[i] = str(r[c])
			if n, ok := names[c][vals[i]]; ok {
				vals[i] = n
			}
		}
		fmt.Fprintln(tw, "  "+strings.Join(vals, "\t"))
	}
	_ = tw.Flush()
}

func sortedBy(rows []map[string]any, col string) []map[string]any {
	slices.SortFunc(rows, func(a, b map[string]any) int { return strings.Compare(str(a[col]), str(b[col])) })
	return rows
}

func currencyLabel(v any) string {
	labels := map[string]string{"100000000": "EUR", "100000001": "USD", "100000002": "GBP", "100000003": "CHF"}
	if l, ok := labels[str(v)]; ok {
		return l
	}
	return str(v)
}

// str prints a stored value; nil is "-".
func str(v any) string {
	if v == nil {
		return "-"
	}
	s := fmt.Sprint(v)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}
