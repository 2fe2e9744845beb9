package gateway

// Sizing the total connection limit. A connection waiting for a command
// costs one descriptor, a goroutine and go-smtp's and our buffers (about
// 30 KiB); one in a transaction also holds descriptors for its DNS
// lookups, and the store, the outbox, the web and the metrics listener
// hold their own. So a quarter of the descriptors (and 256 more) stay for
// everything else, and memory sets the ceiling.
const (
	// minAutoConnections is the limit when the descriptor limit is unknown.
	minAutoConnections = 100
	// maxAutoConnections idle connections hold about 300 MiB.
	maxAutoConnections = 10000
)

// ConnectionLimit is the total connection limit to use when the
// configuration leaves it to us: sized from this process's descriptor
// limit (RLIMIT_NOFILE), at most 10000 (100 when it is unknown). It also returns that
// descriptor limit (0 when unknown), for the log.
func ConnectionLimit() (limit int, nofile uint64) {
	nofile = descriptorLimit()
	return connectionLimitFor(nofile), nofile
}

// MaxConnectionsFor is the most connections nofile descriptors carry:
// a configured max_connections above it is lowered to it.
func MaxConnectionsFor(nofile uint64) int {
	if nofile == 0 {
		return 1 << 30
	}
	if nofile <= 512 {
		return max(int(nofile)/2, 1)
	}
	return int(nofile - 256 - nofile/4)
}

func connectionLimitFor(nofile uint64) int {
	if nofile == 0 {
		return minAutoConnections
	}
	return min(MaxConnectionsFor(nofile), maxAutoConnections)
}
