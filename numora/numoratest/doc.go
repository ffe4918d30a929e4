// Package numoratest is an in-memory emulator of Numora's public API for
// tests and the sandbox: documents with statuses and results (hand-made
// fixtures or generated invoices, receipts and contracts), the delivery
// outbox with cursor pagination, result and document reads, the delivery
// callback with validation and execution_id idempotency, dispatch with a
// delayed outcome, the API-key check, x-request-id echo, fault injection and
// inspection of everything it received. With EnableNotify it also sends
// signed notifications the route generation way (a dispatch notifies the
// executor; Review sends document.reviewed), retried on non-2xx.
//
// A Server is an http.Handler. NewServer starts it on 127.0.0.1 like
// httptest.NewServer; NewServerOn starts it on a given loopback address.
// All methods are safe for concurrent use.
package numoratest
