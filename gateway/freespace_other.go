//go:build !unix

package gateway

// freeBytes cannot be known here; readiness then skips the check.
func freeBytes(string) (uint64, error) { return 0, errNoStatfs }
