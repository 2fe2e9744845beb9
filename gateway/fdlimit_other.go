//go:build !unix

package gateway

// descriptorLimit is unknown here; ConnectionLimit then uses its floor.
func descriptorLimit() uint64 { return 0 }
