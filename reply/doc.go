// Package reply answers members: it decides whether a message deserves an
// automatic reply (RFC 3834 loop and backscatter rules, sender
// authentication, rate limits), renders the answer from templates that never
// quote the member, checks every outbound message with the scanner, signs it
// with DKIM and delivers it from the store's outbox with retries, several at
// once but only a few to any one destination (pool.go), so that one slow
// smarthost or MX holds up only its own replies.
//
// The policy (policy.go) is a pure function so that every rule can be shown
// in a table test; the store's history reaches it as counts passed in. The
// way is one-way (intent.go): the gateway asks Intent, which decides and
// returns the reply's intent for the store to commit with the ticket; the
// worker (worker.go) later renders it with the committed ref, checks it
// and sends it.
package reply
