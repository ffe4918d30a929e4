package destinations

import (
	"crypto/sha1"

	"github.com/google/uuid"

	"github.com/numora/numora-connector/mapping"
)

// IdentityNamespace is the UUIDv5 namespace of identity GUIDs. It is fixed
// forever: uuid.NewSHA1(uuid.NameSpaceURL,
// "https://github.com/numora/numora-connector#record-key"). Changing it
// would make every re-delivered document create new rows.
const IdentityNamespace = "5da9d7f4-46bf-52c6-b3d1-0288448f97cf"

var identityNamespace = uuid.MustParse(IdentityNamespace)

// IdentityGUID turns the identity of a record keyed by identity
// (mapping.KeyIdentity) into a deterministic GUID: the UUIDv5 (SHA-1, RFC
// 9562) in IdentityNamespace of "<document id> NUL <entity> NUL <line
// item id>". Same inputs, same GUID, in every run and version. Dataverse
// uses it as the row's id, Salesforce as the value of its identity
// External ID field.
func IdentityGUID(k mapping.Key, entity string) string {
	return identityGUID(k.Document, entity, k.Item)
}

func identityGUID(documentID, entity, itemID string) string {
	var buf [256]byte
	b := append(buf[:0], identityNamespace[:]...)
	b = append(b, documentID...)
	b = append(b, 0)
	b = append(b, entity...)
	b = append(b, 0)
	b = append(b, itemID...)
	sum := sha1.Sum(b)
	var u uuid.UUID
	copy(u[:], sum[:16])
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 9562 variant
	return u.String()
}
