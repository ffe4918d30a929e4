// Package notify is the connector's notify mode: an HTTP server that
// receives Numora's shared executor notify and its document webhooks,
// verifies their signatures and stores each in the durable queue before it
// answers 2xx; a Drainer that delivers what the queue holds through the
// connector's pipeline (connector.Serve); an optional reconcile loop that
// polls the outbox while it still answers; and the health, readiness and
// metrics endpoints.
//
// Endpoints:
//
//	POST /numora/executor  executor notify: any JSON object with document_id
//	                       at the top level or under "data"
//	POST /numora/webhooks  document webhooks: document.reviewed and
//	                       push.failed queue a delivery; other types are
//	                       acknowledged and ignored
//	GET  /healthz          the process is up
//	GET  /readyz           queue open, Numora key accepted, Dataverse token
//	GET  /metrics          Prometheus text format
//
// Answers: 202 stored (or already stored: duplicate event, or the document
// already queued), 200 ignored event type, 400 unusable body, 401 bad
// signature, 405 wrong method, 413 body too large, 503 queue unavailable
// (Numora retries).
package notify
