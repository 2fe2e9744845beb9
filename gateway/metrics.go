package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/intake-mail/intake/scan"
)

// metrics are the gateway's Prometheus series (documented in
// docs/operations.md). Labels are fixed words, never addresses or content.
type metrics struct {
	connections *prometheus.CounterVec // result: accepted, refused_total_limit, refused_ip_limit
	open        prometheus.Gauge
	evicted     prometheus.Counter
	accepted    *prometheus.CounterVec // verdict: clean, sensitive, unscannable
	rejected    *prometheus.CounterVec // stage, reason, code
	findings    *prometheus.CounterVec // type: ssn, pan
	unscannable *prometheus.CounterVec // reason
	images      *prometheus.CounterVec // outcome: what the image policy did (scan.ImageCounts)
	secondCheck *prometheus.CounterVec // rule (guard.go)
	auth        *prometheus.CounterVec // method, result
	scanSecs    prometheus.Histogram
	commitSecs  prometheus.Histogram
	authSecs    prometheus.Histogram
	sizeBytes   prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_smtp_connections_total",
			Help: "SMTP connections, by whether they were accepted or refused by a connection limit.",
		}, []string{"result"}),
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "intake_smtp_connections_open",
			Help: "SMTP connections open now.",
		}),
		evicted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intake_smtp_connections_evicted_total",
			Help: "Connections idle before MAIL closed (421 4.7.0) to make room for a new one at max_connections.",
		}),
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_smtp_messages_accepted_total",
			Help: "Messages committed and answered 250, by scan verdict.",
		}, []string{"verdict"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_smtp_rejected_total",
			Help: "Commands and messages refused, by stage (mail, rcpt, data), reason and reply code.",
		}, []string{"stage", "reason", "code"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_findings_total",
			Help: "Sensitive numbers found in accepted mail, by type.",
		}, []string{"type"}),
		unscannable: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_unscannable_parts_total",
			Help: "Parts withheld because they could not be scanned, by reason.",
		}, []string{"reason"}),
		images: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_images_total",
			Help: "Images in accepted mail (attached, inline, in documents), by what the image policy did: withheld, ocr_found, ocr_clean, below_floor.",
		}, []string{"outcome"}),
		auth: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intake_sender_auth_total",
			Help: "Sender authentication results of accepted mail, by method (spf, dkim, dmarc) and result.",
		}, []string{"method", "result"}),
		scanSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "intake_scan_seconds",
			Help:    "Time to scan one message.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
		}),
		commitSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "intake_commit_seconds",
			Help:    "Time to commit one message to the store (sealing included), until durable.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
		}),
		authSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "intake_sender_auth_seconds",
			Help:    "Time spent on SPF, DKIM and DMARC for one message, after DATA.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
		}),
		secondCheck: newSecondCheckCounter(),
		sizeBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "intake_smtp_message_bytes",
			Help:    "Size of messages received in DATA.",
			Buckets: prometheus.ExponentialBuckets(1024, 4, 10),
		}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.open, m.evicted, m.accepted, m.rejected, m.findings,
			m.unscannable, m.images, m.auth, m.scanSecs, m.commitSecs, m.authSecs, m.sizeBytes, m.secondCheck)
	}
	return m
}

// countImages adds one message's image outcomes to intake_images_total.
func (m *metrics) countImages(c scan.ImageCounts) {
	for outcome, n := range map[string]int{"withheld": c.Withheld, "ocr_found": c.OCRFound, "ocr_clean": c.OCRClean, "below_floor": c.BelowFloor} {
		if n > 0 {
			m.images.WithLabelValues(outcome).Add(float64(n))
		}
	}
}

// limitGauges are intake_smtp_connections_limit (the total limit in
// force) and intake_smtp_busy (1 while idle clients get the short
// command timeout).
func (s *Server) limitGauges() prometheus.Collector {
	return gaugeFuncs{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "intake_smtp_connections_limit",
			Help: "The total SMTP connection limit in force (max_connections, or the size taken from the file-descriptor limit).",
		}, func() float64 { return float64(s.limits.max) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "intake_smtp_busy",
			Help: "1 while more than 80 % of the connection limit is open: clients idle before MAIL get busy_command_timeout.",
		}, func() float64 {
			if s.limits.busy.Load() {
				return 1
			}
			return 0
		}),
	}
}

// gaugeFuncs registers several collectors as one.
type gaugeFuncs []prometheus.Collector

func (g gaugeFuncs) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range g {
		c.Describe(ch)
	}
}

func (g gaugeFuncs) Collect(ch chan<- prometheus.Metric) {
	for _, c := range g {
		c.Collect(ch)
	}
}
