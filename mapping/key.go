package mapping

import (
	"crypto/sha1"

	"github.com/google/uuid"
)

// KeyNamespace is the UUIDv5 namespace of key: document row ids. It is
// fixed forever: uuid.NewSHA1(uuid.NameSpaceURL,
// "https://github.com/numora/numora-connector#record-key"). Changing it
// would make every re-delivered document create new rows.
const KeyNamespace = "5da9d7f4-46bf-52c6-b3d1-0288448f97cf"

var keyNamespace = uuid.MustParse(KeyNamespace)

// DocumentKey returns the row id of a key: document record: the UUIDv5
// (SHA-1, RFC 9562) in KeyNamespace of the name "<document id> NUL <entity
// set> NUL <line item id>", where the line item id is "" for records not
// made per line item. It equals uuid.NewSHA1(KeyNamespace, name): same
// inputs, same id, in every run and version.
func DocumentKey(documentID, entity, itemID string) string {
	var buf [256]byte
	b := append(buf[:0], keyNamespace[:]...)
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
