package httpapi

import (
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"stagebot"
	"stagebot/bot"
	"stagebot/intake"
	"stagebot/internal/buildinfo"
	"stagebot/workflow"
)

// Metrics are what /metrics serves. Two kinds live here: counters and histograms of what
// this process saw happen (commands, changes of state, downloads), fed by the hooks of the
// bot, the workflow and the fetcher, and starting from zero at each start as Prometheus
// counters do; and gauges read from bbolt at scrape time (the state of things now: requests
// by state, queued jobs, the last tick), which survive restarts and can never drift from
// what !status says.
//
// Names follow Prometheus' rules: counters end in _total, durations are _seconds
// histograms, and no gauge carries a counter's name.
type Metrics struct {
	reg *prometheus.Registry

	commands      *prometheus.CounterVec
	transitions   *prometheus.CounterVec
	downloads     *prometheus.CounterVec
	downloadBytes prometheus.Counter
	downloadTime  prometheus.Histogram
	lockDuration  prometheus.Histogram
}

// unknownCommand is the command label of every name no command has: what people mistype
// must not make a series each.
const unknownCommand = "unknown"

// NewMetrics makes the metrics of one bot, whose build is b.
func NewMetrics(b buildinfo.Info) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagebot_commands_total",
			Help: "Commands handled, typed or given by a reaction or a button, by command and outcome (ok, refused: the asker's to fix, error: the bot's).",
		}, []string{"command", "outcome"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagebot_transitions_total",
			Help: "Changes of a request's state, by the state entered.",
		}, []string{"state"}),
		downloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stagebot_downloads_total",
			Help: "Clicks fetched for !stage, by outcome (ok, rejected: not a click the bot takes, error: not read to the end).",
		}, []string{"outcome"}),
		downloadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stagebot_download_bytes_total",
			Help: "Bytes read from the sources of clicks fetched for !stage.",
		}),
		downloadTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "stagebot_download_duration_seconds",
			Help:    "How long a click's download and inspection took, from its turn to its end.",
			Buckets: []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}),
		lockDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "stagebot_lock_duration_seconds",
			Help: "From a request's approval to its lock on snakefruit.",
			// A rename of a pre-uploaded click takes well under a second; a lock that
			// waits out retries takes up to retry.give_up (1h by default).
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "stagebot_build_info",
		Help:        "The running build: always 1, its labels name it.",
		ConstLabels: prometheus.Labels{"version": b.Version, "commit": b.Commit, "goversion": b.GoVersion},
	})
	build.Set(1)
	m.KnowCommands(nil)
	for _, st := range stagebot.States {
		m.transitions.WithLabelValues(string(st))
	}
	for _, o := range []string{intake.FetchOK, intake.FetchRejected, intake.FetchFailed} {
		m.downloads.WithLabelValues(o)
	}
	m.reg.MustRegister(m.commands, m.transitions, m.downloads, m.downloadBytes, m.downloadTime, m.lockDuration, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// KnowCommands makes the counters of the commands named: they read 0 rather than being
// absent before their first use.
func (m *Metrics) KnowCommands(names []string) {
	for _, c := range append(slices.Clip(names), unknownCommand) {
		for _, o := range []string{bot.OutcomeOK, bot.OutcomeRefused, bot.OutcomeError} {
			m.commands.WithLabelValues(c, o)
		}
	}
}

// Command counts a handled command (bot.Config.Handled).
func (m *Metrics) Command(h bot.Handled) {
	name := h.Command
	if !h.Known {
		name = unknownCommand
	}
	m.commands.WithLabelValues(name, h.Outcome).Inc()
}

// Changed counts a change of state (workflow.Config.Changed) and, for a lock, how long it
// took from the approval.
func (m *Metrics) Changed(c workflow.Change) {
	m.transitions.WithLabelValues(string(c.To)).Inc()
	if c.From == stagebot.StateApproved && c.To == stagebot.StateLocked && !c.Entered.IsZero() {
		m.lockDuration.Observe(max(c.At.Sub(c.Entered), 0).Seconds())
	}
}

// Fetched counts a download (intake.Fetcher.Done).
func (m *Metrics) Fetched(f intake.Fetched) {
	m.downloads.WithLabelValues(f.Outcome).Inc()
	m.downloadBytes.Add(float64(f.Bytes))
	m.downloadTime.Observe(f.Took.Seconds())
}

var (
	descRequests  = prometheus.NewDesc("stagebot_requests", "Requests by state.", []string{"state"}, nil)
	descJobs      = prometheus.NewDesc("stagebot_jobs_queued", "Snakefruit jobs queued, by kind.", []string{"kind"}, nil)
	descFailed    = prometheus.NewDesc("stagebot_jobs_queued_failed_attempts", "Failed attempts so far of the jobs still queued (each is retried): above 0, snakefruit is failing someone.", nil, nil)
	descLastTick  = prometheus.NewDesc("stagebot_last_tick_timestamp_seconds", "When the last click-sync tick happened (Unix time); absent before the first.", nil, nil)
	descConnected = prometheus.NewDesc("stagebot_adapter_connected", "1 when the chat adapter is connected.", []string{"adapter"}, nil)
	descBacklog   = prometheus.NewDesc("stagebot_announcement_queue_depth", "Announcements not yet delivered, per adapter and channel.", []string{"adapter", "channel"}, nil)
	descRefusing  = prometheus.NewDesc("stagebot_channels_refusing", "Channels whose last delivery attempt failed (each holds its own backlog), per adapter.", []string{"adapter"}, nil)
	descPhasing   = prometheus.NewDesc("stagebot_phasing_percent", "Phased-update progress of the last promoted image.", nil, nil)
)

// state reads the gauges of how things stand from the service and the bot at scrape time.
type state struct{ s *Server }

func (c state) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descJobs, descFailed, descLastTick, descConnected, descBacklog, descRefusing, descPhasing} {
		ch <- d
	}
}

func (c state) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	counts, err := s.cfg.Service.Counts()
	if err != nil {
		s.log.Warn("metrics: read storage", "err", err)
		ch <- prometheus.NewInvalidMetric(descRequests, err)
		return
	}
	for _, st := range stagebot.States {
		ch <- prometheus.MustNewConstMetric(descRequests, prometheus.GaugeValue, float64(counts.Requests[st]), string(st))
	}
	for _, k := range []stagebot.JobKind{stagebot.JobLock, stagebot.JobUnlock, stagebot.JobPublish} {
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(counts.Jobs[k]), string(k))
	}
	ch <- prometheus.MustNewConstMetric(descFailed, prometheus.GaugeValue, float64(counts.Retries))
	// Before the first tick there is no time to give: no sample, rather than a made-up
	// one (0 would read as 1970, +Inf breaks arithmetic on it).
	if last := s.cfg.Service.LastTick(); !last.IsZero() {
		ch <- prometheus.MustNewConstMetric(descLastTick, prometheus.GaugeValue, float64(last.UnixNano())/1e9)
	}
	if s.cfg.Bot != nil {
		for _, a := range s.cfg.Bot.Adapters() {
			v := 0.0
			if a.Connected() {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(descConnected, prometheus.GaugeValue, v, a.Name())
		}
		refusing := map[string]int{}
		for _, c := range s.cfg.Bot.Delivery() {
			ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(c.Backlog), c.Adapter, c.Channel)
			if c.Refusing() {
				refusing[c.Adapter]++
			}
		}
		// Every adapter, so that the gauge reads 0 rather than vanishing when all is well.
		for _, a := range s.cfg.Bot.Adapters() {
			ch <- prometheus.MustNewConstMetric(descRefusing, prometheus.GaugeValue, float64(refusing[a.Name()]), a.Name())
		}
	}
	ch <- prometheus.MustNewConstMetric(descPhasing, prometheus.GaugeValue, float64(s.cfg.Service.CurrentPhasing().Percent))
}

// metricsHandler serves the server's Metrics (a registry of their own: the default one is
// global state that tests running several bots in one process would share) with the
// gauges read at scrape time.
func (s *Server) metricsHandler() http.Handler {
	m := s.cfg.Metrics
	if m == nil {
		m = NewMetrics(buildinfo.Get())
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(state{s})
	return promhttp.HandlerFor(prometheus.Gatherers{m.reg, reg}, promhttp.HandlerOpts{Timeout: 10 * time.Second})
}
