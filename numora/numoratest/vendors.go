package numoratest

import "strings"

// Vendor is a supplier the generator puts on invoices and contracts.
type Vendor struct {
	Name string
	// TaxID is the VAT id as printed, e.g. "DE 123 456 789"; generated
	// documents vary its spacing and case.
	TaxID string
}

// AccountNumber is the tax id normalised (spaces removed, upper case), as
// the sandbox stores it in a Dataverse account's accountnumber:
// "DE123456789".
func (v Vendor) AccountNumber() string {
	return strings.ToUpper(strings.Join(strings.Fields(v.TaxID), ""))
}

// Vendors are the known suppliers: the sandbox seeds one Dataverse account
// per vendor, so their documents' lookups match. Do not modify.
var Vendors = []Vendor{
	{Name: "ACME Supplies GmbH", TaxID: "DE 123 456 789"},
	{Name: "Nordlicht Logistik AG", TaxID: "DE 811 569 457"},
	{Name: "Blue Harbour Trading Ltd", TaxID: "GB 123 4567 89"},
	{Name: "Contoso Office Supplies BV", TaxID: "NL 8001 2345 6B01"},
	{Name: "Fabrikam Industrial SAS", TaxID: "FR 40 303 265 045"},
	{Name: "Tailspin Print & Copy GmbH", TaxID: "ATU 1234 5678"},
	{Name: "Woodgrove Facility Services", TaxID: "BE 0123 456 749"},
	{Name: "Alpine Hardware AG", TaxID: "CHE 123 456 789"},
}

// UnknownVendors appear on some generated documents (about 1 in 12) and
// match no account: their lookups miss. Do not modify.
var UnknownVendors = []Vendor{
	{Name: "Globex Parts Ltd", TaxID: "GB 987 6543 21"},
	{Name: "Initech Consulting SARL", TaxID: "FR 11 222 333 444"},
	{Name: "Umbrella Reinigung GmbH", TaxID: "DE 999 000 111"},
}

// merchants are receipt_v1 merchant names.
var merchants = []string{"Café Central", "Shell Station 1234", "Office World", "Deutsche Bahn",
	"Hotel Adler", "Taxi Berlin 24", "Lidl", "Amazon Marketplace"}

// products are line item descriptions.
var products = []string{"A4 copy paper, 500 sheets", "Toner cartridge black", "Pallet transport Hamburg–Munich",
	"Consulting hours", "Cleaning service, monthly", "Safety gloves (box of 100)", "Steel bolts M8x40",
	"Laptop stand", "Software licence, annual", "Express surcharge", "Printer maintenance", "Coffee beans 1 kg"}
