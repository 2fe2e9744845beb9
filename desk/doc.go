// Package desk is every staff action, once. Each exported function takes
// the acting user (an Actor), checks the role the action needs, does the
// one thing, and writes the audit event under the actor's own name. The
// command line and the web (pages and JSON API) both call it, and neither
// touches the store for a staff action on its own, so the two can never
// drift apart.
//
// Errors tell the caller's mistake from our fault (the habit of mox's
// webops: Checkuserf for the user's, Checkf for ours): a *Error carries
// the HTTP status and a stable code for the JSON API
// ({"error":{"code":...,"message":...}}); anything else is a 500 whose
// text is logged, never shown.
package desk
