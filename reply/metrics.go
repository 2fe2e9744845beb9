package reply

import "github.com/prometheus/client_golang/prometheus"

// Metrics are registered by whoever serves them (see Collectors), so
// that tests can start several servers in one process.
var (
	decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_reply_decisions_total",
		Help: "Auto-reply decisions by reason (sensitive, withheld, acknowledge, or why not).",
	}, []string{"reason"})
	attempts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_outbox_attempts_total",
		Help: "Delivery attempts of outbox jobs by result: sent, retry, failed, gave_up, blocked, not_wanted (a notification its rules stop), and deferred (claimed but put back untried: destination busy, lease short, shutdown).",
	}, []string{"result"})
	takeovers = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "intake_outbox_takeovers_total",
		Help: "Outbox jobs claimed after another worker's lease on them ran out (a node died or hung holding them).",
	})
)

// Collectors returns this package's metrics for a registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{decisions, attempts, takeovers}
}

func countDecision(d Decision) { decisions.WithLabelValues(d.Reason).Inc() }
