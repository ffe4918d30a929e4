package destinations

// Batcher is implemented by destinations that send several documents in
// one request when they are delivered at the same time (Dataverse's
// $batch). BatchDocuments returns the most documents one request carries
// (1: each goes alone). A document waiting in Deliver for its request to
// fill loads neither service, so the connector lets that many times its
// concurrency wait in Deliver: its concurrency bounds the documents being
// read and mapped, and the destination's own admission bounds its
// requests.
type Batcher interface {
	BatchDocuments() int
}
