package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"stagebot"
)

// The metrics are read from bbolt at scrape time rather than counted as things happen: the
// numbers then survive restarts and can never drift from what !status says.
var (
	descRequests  = prometheus.NewDesc("stagebot_requests", "Requests by state.", []string{"state"}, nil)
	descJobs      = prometheus.NewDesc("stagebot_jobs_queued", "Snakefruit jobs queued, by kind.", []string{"kind"}, nil)
	descRetries   = prometheus.NewDesc("stagebot_job_retries", "Failed attempts of the jobs still queued (each one is retried).", nil, nil)
	descSinceTick = prometheus.NewDesc("stagebot_seconds_since_last_tick", "Seconds since the last click-sync tick (+Inf if none yet).", nil, nil)
	descConnected = prometheus.NewDesc("stagebot_adapter_connected", "1 when the chat adapter is connected.", []string{"adapter"}, nil)
	descBacklog   = prometheus.NewDesc("stagebot_announcement_queue_depth", "Announcements not yet delivered, per adapter and channel.", []string{"adapter", "channel"}, nil)
	descRefusing  = prometheus.NewDesc("stagebot_channels_refusing", "Channels whose last delivery attempt failed (each holds its own backlog), per adapter.", []string{"adapter"}, nil)
	descPhasing   = prometheus.NewDesc("stagebot_phasing_percent", "Phased-update progress of the last promoted image.", nil, nil)
)

type collector struct{ s *Server }

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descJobs, descRetries, descSinceTick, descConnected, descBacklog, descRefusing, descPhasing} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
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
	ch <- prometheus.MustNewConstMetric(descRetries, prometheus.GaugeValue, float64(counts.Retries))
	since := math.Inf(1)
	if last := s.cfg.Service.LastTick(); !last.IsZero() {
		since = max(s.cfg.Now().Sub(last), 0).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(descSinceTick, prometheus.GaugeValue, since)
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

// metricsHandler serves a registry of our own: the default one is global state that tests
// running several bots in one process would share.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collector{s}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil, Timeout: 10 * time.Second})
}
