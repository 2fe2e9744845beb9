//go:build race

package gateway

// raceEnabled: the race detector slows everything several times; timing
// bounds that prove "within a few seconds" get room for it.
const raceEnabled = true
