package dataversetest

import "strings"

// entityMeta is the precomputed EntityDefinitions data of one table.
type entityMeta struct {
	props map[string]any
	attrs []attrMeta
	keys  []map[string]any
	m2o   []map[string]any
	o2m   []map[string]any
}

// attrMeta is one attribute's metadata: its derived type and properties.
type attrMeta struct {
	cast    string         // "StringAttributeMetadata"
	props   map[string]any // base and derived properties
	options []any          // OptionSet options for choices and booleans
	name    string
}

// baseAttrProps are the AttributeMetadata properties selectable without
// a cast.
var baseAttrProps = setOf("MetadataId", "LogicalName", "SchemaName", "AttributeType", "AttributeTypeName",
	"EntityLogicalName", "IsPrimaryId", "IsPrimaryName", "IsValidForCreate", "IsValidForUpdate", "IsValidForRead",
	"RequiredLevel", "IsCustomAttribute", "DisplayName", "AttributeOf", "ColumnNumber", "IsLogical")

var entityProps = setOf("MetadataId", "LogicalName", "SchemaName", "EntitySetName", "PrimaryIdAttribute",
	"PrimaryNameAttribute", "IsOptimisticConcurrencyEnabled", "ObjectTypeCode", "IsCustomEntity",
	"LogicalCollectionName", "CollectionSchemaName", "DisplayName", "DisplayCollectionName", "IsActivity", "OwnershipType")

var keyProps = setOf("MetadataId", "LogicalName", "SchemaName", "KeyAttributes", "EntityKeyIndexStatus",
	"EntityLogicalName", "DisplayName")

var relationshipProps = setOf("MetadataId", "SchemaName", "ReferencedAttribute", "ReferencedEntity",
	"ReferencingAttribute", "ReferencingEntity", "ReferencedEntityNavigationPropertyName",
	"ReferencingEntityNavigationPropertyName", "RelationshipType", "IsCustomRelationship")

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func label(s string) map[string]any {
	l := map[string]any{"Label": s, "LanguageCode": 1033}
	return map[string]any{"LocalizedLabels": []any{l}, "UserLocalizedLabel": l}
}

// buildMetadata computes the metadata of every table once.
func buildMetadata(sch *schema) map[string]*entityMeta {
	out := map[string]*entityMeta{}
	for i, td := range sch.tables {
		m := &entityMeta{props: map[string]any{
			"MetadataId": td.metadataID, "LogicalName": td.LogicalName, "SchemaName": td.LogicalName,
			"EntitySetName": td.EntitySet, "PrimaryIdAttribute": td.PrimaryID, "PrimaryNameAttribute": nullable(td.PrimaryName),
			"IsOptimisticConcurrencyEnabled": td.OptimisticConcurrency, "ObjectTypeCode": 10000 + i,
			"IsCustomEntity": strings.Contains(td.LogicalName, "_"), "LogicalCollectionName": td.EntitySet,
			"CollectionSchemaName": td.EntitySet, "DisplayName": label(td.LogicalName),
			"DisplayCollectionName": label(td.EntitySet), "IsActivity": false, "OwnershipType": "UserOwned",
		}}
		m.attrs = attributeMetas(sch, td)
		for _, k := range td.Keys {
			m.keys = append(m.keys, map[string]any{"MetadataId": stableGUID("key", td.LogicalName+"."+k.Name),
				"LogicalName": k.Name, "SchemaName": k.Name, "KeyAttributes": k.Attributes,
				"EntityKeyIndexStatus": k.Status, "EntityLogicalName": td.LogicalName, "DisplayName": label(k.Name)})
		}
		out[td.LogicalName] = m
	}
	for _, td := range sch.tables {
		for i := range td.Navigation {
			rel := relationship(sch, td, &td.Navigation[i])
			out[td.LogicalName].m2o = append(out[td.LogicalName].m2o, rel)
			if ref := out[rel["ReferencedEntity"].(string)]; ref != nil {
				ref.o2m = append(ref.o2m, rel)
			}
		}
	}
	return out
}

// relationship is the many-to-one relationship of a navigation property.
// The owner lookup's references the "owner" table (entity set owners),
// whatever the concrete systemusers or teams row a bind names, as on
// Dataverse.
func relationship(sch *schema, td *tableDef, n *NavProperty) map[string]any {
	refEntity, refAttr := "owner", "ownerid"
	schemaName := "owner_" + td.LogicalName
	if !n.owner() {
		target := sch.bySet[n.Target]
		refEntity, refAttr = target.LogicalName, target.PrimaryID
		schemaName = target.LogicalName + "_" + td.LogicalName + "_" + n.Name
	}
	return map[string]any{"MetadataId": stableGUID("relationship", td.LogicalName+"."+n.Name),
		"SchemaName": schemaName, "ReferencedAttribute": refAttr,
		"ReferencedEntity": refEntity, "ReferencingAttribute": n.Attribute, "ReferencingEntity": td.LogicalName,
		"ReferencedEntityNavigationPropertyName":  td.LogicalName + "_" + n.Attribute,
		"ReferencingEntityNavigationPropertyName": n.Name, "RelationshipType": "OneToManyRelationship",
		"IsCustomRelationship": strings.Contains(n.Attribute, "_")}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func attributeMetas(sch *schema, td *tableDef) []attrMeta {
	base := func(name, typ, typeName string, create bool) map[string]any {
		return map[string]any{"MetadataId": stableGUID("attribute", td.LogicalName+"."+name), "LogicalName": name,
			"SchemaName": name, "AttributeType": typ, "AttributeTypeName": map[string]any{"Value": typeName},
			"EntityLogicalName": td.LogicalName, "IsPrimaryId": name == td.PrimaryID, "IsPrimaryName": name == td.PrimaryName,
			"IsValidForCreate": create, "IsValidForUpdate": create && name != td.PrimaryID, "IsValidForRead": true,
			"RequiredLevel":     map[string]any{"Value": map[bool]string{true: "SystemRequired", false: "None"}[name == td.PrimaryID]},
			"IsCustomAttribute": strings.Contains(name, "_"), "DisplayName": label(name), "AttributeOf": nil,
			"ColumnNumber": 0, "IsLogical": false}
	}
	out := []attrMeta{{cast: "UniqueIdentifierAttributeMetadata", name: td.PrimaryID,
		props: base(td.PrimaryID, "Uniqueidentifier", "UniqueidentifierType", true)}}
	for i := range td.Attributes {
		a := &td.Attributes[i]
		out = append(out, columnMeta(td, a, base))
	}
	for _, attr := range lookupAttributes(td) {
		targets := lookupTargets(sch, td, attr)
		typ := "Lookup"
		switch {
		case attr == "ownerid":
			typ = "Owner"
		case len(targets) > 1:
			typ = "Customer"
		}
		p := base(attr, typ, typ+"Type", true)
		p["Targets"] = targets
		out = append(out, attrMeta{cast: "LookupAttributeMetadata", name: attr, props: p})
	}
	for _, name := range []string{"createdon", "modifiedon"} {
		p := base(name, "DateTime", "DateTimeType", false)
		p["Format"], p["DateTimeBehavior"] = "DateAndTime", map[string]any{"Value": "UserLocal"}
		out = append(out, attrMeta{cast: "DateTimeAttributeMetadata", name: name, props: p})
	}
	return out
}

func columnMeta(td *tableDef, a *Attribute, base func(name, typ, typeName string, create bool) map[string]any) attrMeta {
	m := attrMeta{name: a.Name}
	set := func(cast, typ, typeName string) {
		m.cast, m.props = cast, base(a.Name, typ, typeName, true)
	}
	switch a.Type {
	case TypeString:
		set("StringAttributeMetadata", "String", "StringType")
		m.props["MaxLength"], m.props["Format"], m.props["DatabaseLength"] = a.MaxLength, "Text", a.MaxLength*2
	case TypeMemo:
		set("MemoAttributeMetadata", "Memo", "MemoType")
		m.props["MaxLength"], m.props["Format"] = a.MaxLength, "TextArea"
	case TypeInt:
		set("IntegerAttributeMetadata", "Integer", "IntegerType")
		m.props["MinValue"], m.props["MaxValue"], m.props["Format"] = -2147483648, 2147483647, "None"
	case TypeDecimal:
		set("DecimalAttributeMetadata", "Decimal", "DecimalType")
		m.props["Precision"], m.props["MinValue"], m.props["MaxValue"] = a.Precision, -100000000000, 100000000000
	case TypeMoney:
		set("MoneyAttributeMetadata", "Money", "MoneyType")
		m.props["Precision"], m.props["PrecisionSource"] = a.Precision, 2
		m.props["MinValue"], m.props["MaxValue"] = -922337203685477, 922337203685477
	case TypeBool:
		set("BooleanAttributeMetadata", "Boolean", "BooleanType")
		m.props["DefaultValue"] = false
	case TypeDate:
		set("DateTimeAttributeMetadata", "DateTime", "DateTimeType")
		m.props["Format"], m.props["DateTimeBehavior"] = "DateOnly", map[string]any{"Value": "DateOnly"}
	case TypeDateTime:
		set("DateTimeAttributeMetadata", "DateTime", "DateTimeType")
		m.props["Format"], m.props["DateTimeBehavior"] = "DateAndTime", map[string]any{"Value": a.Behavior}
	case TypeChoice:
		setChoice(a.Name, set)
		m.props["DefaultFormValue"] = -1
	case TypeMultiChoice:
		set("MultiSelectPicklistAttributeMetadata", "Virtual", "MultiSelectPicklistType")
		m.props["DefaultFormValue"] = -1
	case TypeGUID:
		set("UniqueIdentifierAttributeMetadata", "Uniqueidentifier", "UniqueidentifierType")
	}
	for _, o := range a.Options {
		opt := map[string]any{"Value": o.Value, "Label": label(o.Label)}
		if o.State != nil {
			opt["State"] = *o.State
		}
		m.options = append(m.options, opt)
	}
	return m
}

// setChoice sets a choice column's cast: statecode and statuscode are the
// State and Status attributes every Dataverse table names so, the others
// Picklists.
func setChoice(name string, set func(cast, typ, typeName string)) {
	switch name {
	case "statecode":
		set("StateAttributeMetadata", "State", "StateType")
	case "statuscode":
		set("StatusAttributeMetadata", "Status", "StatusType")
	default:
		set("PicklistAttributeMetadata", "Picklist", "PicklistType")
	}
}

// lookupAttributes lists the table's lookup attributes once each, in model
// order (a customer lookup has two navigation properties).
func lookupAttributes(td *tableDef) []string {
	var out []string
	for _, n := range td.Navigation {
		if !containsString(out, n.Attribute) {
			out = append(out, n.Attribute)
		}
	}
	return out
}

// lookupTargets are the logical names a lookup attribute may reference:
// every target of its navigation properties.
func lookupTargets(sch *schema, td *tableDef, attr string) []string {
	var out []string
	for _, n := range td.Navigation {
		if n.Attribute != attr {
			continue
		}
		for _, t := range n.Targets {
			if l := sch.bySet[t].LogicalName; !containsString(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}
