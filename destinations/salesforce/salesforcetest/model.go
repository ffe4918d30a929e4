package salesforcetest

import "strings"

// Field types, as describe names them.
const (
	TypeID            = "id"
	TypeString        = "string"
	TypeTextArea      = "textarea"
	TypeDouble        = "double"
	TypeCurrency      = "currency"
	TypePercent       = "percent"
	TypeInt           = "int"
	TypeBoolean       = "boolean"
	TypeDate          = "date"
	TypeDateTime      = "datetime"
	TypePicklist      = "picklist"
	TypeMultiPicklist = "multipicklist"
	TypeReference     = "reference"
)

// Object is one sObject type of the emulated org.
type Object struct {
	Name string
	// KeyPrefix is the three characters every record id of the object
	// starts with ("001" for Account).
	KeyPrefix string
	Fields    []Field
}

// Field is one field of an Object, with the describe attributes the
// emulator enforces.
type Field struct {
	Name   string
	Type   string
	Length int // strings: the maximum length
	// Nillable false with Createable makes the field required on create.
	Nillable   bool
	Createable bool
	Updateable bool
	ExternalID bool
	Unique     bool
	// Picklist holds the active values of (multi-)picklists; a restricted
	// picklist refuses any other value.
	Picklist   []string
	Restricted bool
	// ReferenceTo and RelationshipName describe a lookup or master-detail
	// field ("Account", "Account__r").
	ReferenceTo      string
	RelationshipName string
}

// field returns the field named name (case-insensitive, as Salesforce
// matches field names), or nil.
func (o *Object) field(name string) *Field {
	for i := range o.Fields {
		if strings.EqualFold(o.Fields[i].Name, name) {
			return &o.Fields[i]
		}
	}
	return nil
}

// relationship returns the reference field whose relationship name is
// name, or nil.
func (o *Object) relationship(name string) *Field {
	for i := range o.Fields {
		if o.Fields[i].RelationshipName != "" && strings.EqualFold(o.Fields[i].RelationshipName, name) {
			return &o.Fields[i]
		}
	}
	return nil
}

func idField() Field {
	return Field{Name: "Id", Type: TypeID, Length: 18, Nillable: false, ExternalID: false, Unique: true}
}

func text(name string, n int) Field {
	return Field{Name: name, Type: TypeString, Length: n, Nillable: true, Createable: true, Updateable: true}
}

func extID(name string, n int) Field {
	f := text(name, n)
	f.ExternalID, f.Unique = true, true
	return f
}

func typed(name, typ string) Field {
	return Field{Name: name, Type: typ, Nillable: true, Createable: true, Updateable: true}
}

// DefaultModel is the org the emulator starts with: Account (external ID
// Tax_Id__c), and the custom objects Invoice__c (external ID
// Numora_Document_Id__c, a lookup to Account) and Invoice_Line__c
// (external ID Line_Key__c, master-detail to Invoice__c, not reparentable,
// so its Invoice__c is createable but not updateable).
func DefaultModel() []Object {
	name := text("Name", 255)
	name.Nillable = false
	account := Object{Name: "Account", KeyPrefix: "001", Fields: []Field{idField(), name,
		extID("Tax_Id__c", 20), text("AccountNumber", 40)}}
	status := typed("Status__c", TypePicklist)
	status.Picklist, status.Restricted = []string{"Draft", "Booked", "Paid"}, true
	tags := typed("Tags__c", TypeMultiPicklist)
	tags.Picklist, tags.Restricted = []string{"Urgent", "Reviewed", "Disputed"}, true
	acct := typed("Account__c", TypeReference)
	acct.ReferenceTo, acct.RelationshipName = "Account", "Account__r"
	invoice := Object{Name: "Invoice__c", KeyPrefix: "a01", Fields: []Field{idField(), text("Name", 80),
		extID("Numora_Document_Id__c", 64), typed("Invoice_Date__c", TypeDate), typed("Total__c", TypeCurrency),
		status, tags, acct, typed("Issued_At__c", TypeDateTime), typed("Paid__c", TypeBoolean)}}
	parent := typed("Invoice__c", TypeReference)
	parent.ReferenceTo, parent.RelationshipName = "Invoice__c", "Invoice__r"
	parent.Nillable, parent.Updateable = false, false
	line := Object{Name: "Invoice_Line__c", KeyPrefix: "a02", Fields: []Field{idField(), text("Name", 80),
		extID("Line_Key__c", 80), extID("Numora_Id__c", 36), parent, text("Numora_Document_Id__c", 64), text("Description__c", 255),
		typed("Quantity__c", TypeDouble), typed("Amount__c", TypeCurrency), typed("Line_No__c", TypeInt)}}
	return []Object{account, invoice, line}
}
