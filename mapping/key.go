package mapping

import "github.com/google/uuid"

// KeyNamespace is the UUIDv5 namespace of key: document row ids. It is
// fixed forever: uuid.NewSHA1(uuid.NameSpaceURL,
// "https://github.com/numora/numora-connector#record-key"). Changing it
// would make every re-delivered document create new rows.
const KeyNamespace = "5da9d7f4-46bf-52c6-b3d1-0288448f97cf"

var keyNamespace = uuid.MustParse(KeyNamespace)

// DocumentKey returns the row id of a key: document record: the UUIDv5
// (SHA-1) in KeyNamespace of "<document id> NUL <entity set> NUL <line item
// id>", where the line item id is "" for records not made per line item.
// Same inputs, same id, in every run and version.
func DocumentKey(documentID, entity, itemID string) string {
	var buf [256]byte
	name := append(buf[:0], documentID...)
	name = append(name, 0)
	name = append(name, entity...)
	name = append(name, 0)
	name = append(name, itemID...)
	return uuid.NewSHA1(keyNamespace, name).String()
}
