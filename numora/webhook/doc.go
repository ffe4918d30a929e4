// Package webhook verifies and signs the notifications Numora sends to the
// connector: document webhooks (document.reviewed, push.failed, …) and the
// shared executor notify.
//
// # Signature scheme
//
// Numora signs with a shared secret and sends
//
//	X-Numora-Webhook-Signature: t=<timestamp>,v1=<signature>
//
// Numora's documentation names neither the hash nor the signed string. The
// default Scheme is HMAC-SHA256 over "<timestamp>.<raw body>" (the timestamp
// exactly as it appears after "t="), hex-encoded: the convention of Stripe
// and most webhook senders. Scheme can change the hash (sha256, sha512), the
// signed string ("timestamp.body" or "body") and the encoding (hex or
// base64) without a rebuild. The timestamp is Unix seconds or ISO-8601; a
// signature whose timestamp is further than Tolerance (default 5 minutes)
// from the verifier's clock is refused as stale, in both directions.
//
// Several secrets may be configured at once, so that a secret can be
// rotated without refusing notifications signed with the old one; a header
// may carry several v1 values, and one match with one secret is enough.
// Signatures are compared in constant time.
package webhook
