package reply

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Metrics live on the default registry, which the metrics listener serves.
var (
	decisions = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_reply_decisions_total",
		Help: "Auto-reply decisions by reason (sensitive, withheld, acknowledge, or why not).",
	}, []string{"reason"})
	attempts = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "intake_outbox_attempts_total",
		Help: "Delivery attempts of outbox jobs by result: sent, retry, failed, gave_up.",
	}, []string{"result"})
)

func countDecision(d Decision) { decisions.WithLabelValues(d.Reason).Inc() }
