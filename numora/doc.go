// Package numora is a client for Numora's public API (/v1): the delivery
// outbox, documents and their results, the delivery callback and dispatch.
// It knows Numora's HTTP API and nothing else.
package numora
