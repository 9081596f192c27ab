package httpapi_test

import (
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"stagebot/internal/clicktest"
)

// scrape reads /metrics through the server and parses it as Prometheus would.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// sample is the family's metric whose labels include labels (name=value pairs), or nil.
func sample(fam *dto.MetricFamily, labels ...string) *dto.Metric {
	if fam == nil {
		return nil
	}
	for _, m := range fam.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				ok = false
			}
		}
		if ok {
			return m
		}
	}
	return nil
}

// value is a counter's or a gauge's value (-1 when the series is absent).
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m := sample(fams[name], labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return -1
}

// TestMetricsAfterAFlow scrapes /metrics through the real HTTP server of a whole bot after
// a real flow (a stage, its approval and lock, two rejected clicks and a missing one, refused
// and unknown commands, a tick), and checks each name contract section 7 gives: its type,
// its labels and a value that must have moved; and Prometheus' naming rules over every
// stagebot_ family.
func TestMetricsAfterAFlow(t *testing.T) {
	b, base := startHTTPBot(t)

	before := scrape(t, base)
	if _, ok := before["stagebot_last_tick_timestamp_seconds"]; ok {
		t.Errorf("a last tick time before any tick: %v", before["stagebot_last_tick_timestamp_seconds"])
	}
	if v := value(before, "stagebot_commands_total", "command", "approve", "outcome", "ok"); v != 0 {
		t.Errorf("approve's ok counter before any command: %v, want 0 (present from the start)", v)
	}

	clicks := t.TempDir()
	// No payload: an empty md5sums, which the inspector refuses.
	rejected := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.empty", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	junk := filepath.Join(clicks, "com.example.junk_1.0_all.click")
	if err := os.WriteFile(junk, []byte("this is not an ar archive at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	id, file := b.Stage(clicktest.Spec{Name: "com.example.measured", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	b.Say("alice> !stage " + rejected)
	b.WaitFor(`^alice: .*com\.example\.empty`)
	b.Say("alice> !stage " + junk)
	b.WaitFor(`^alice: .*com\.example\.junk`)
	b.Say("alice> !stage " + filepath.Join(clicks, "com.example.gone_1.0_all.click"))
	b.WaitFor(`^alice: .*com\.example\.gone`)
	b.Say("alice> !approve deadbeef")
	b.WaitFor(`^alice: `)
	b.Say("alice> !frobnicate")
	b.WaitFor(`^alice: `)

	locked := scrape(t, base)
	if _, ok := locked["stagebot_last_tick_timestamp_seconds"]; ok {
		t.Errorf("a last tick time before any tick")
	}
	tickFrom := float64(time.Now().UnixNano()) / 1e9
	b.Say("sil2100> !tick")
	b.WaitFor(`^\[` + id + `\] \S+ stored`)
	tickTo := float64(time.Now().UnixNano()) / 1e9
	after := scrape(t, base)

	good, err := os.Stat(filepath.Join(b.Dir, "clicks", file))
	if err != nil {
		t.Fatalf("the staged click: %v", err)
	}
	bad, err := os.Stat(rejected)
	if err != nil {
		t.Fatal(err)
	}
	readAtLeast := float64(good.Size() + bad.Size())

	hist := func(fams map[string]*dto.MetricFamily, name string) *dto.Histogram {
		if m := sample(fams[name]); m != nil {
			return m.Histogram
		}
		return nil
	}
	for _, tt := range []struct {
		name   string
		typ    dto.MetricType
		labels []string // the label names every series has
		check  func(t *testing.T)
	}{
		{"stagebot_build_info", dto.MetricType_GAUGE, []string{"commit", "goversion", "version"}, func(t *testing.T) {
			if v := value(after, "stagebot_build_info", "goversion", runtime.Version(), "version", "dev"); v != 1 {
				t.Errorf("build info = %v, want 1 with goversion %s and version dev", v, runtime.Version())
			}
		}},
		{"stagebot_commands_total", dto.MetricType_COUNTER, []string{"command", "outcome"}, func(t *testing.T) {
			for _, c := range []struct {
				command, outcome string
				want             float64
			}{
				{"stage", "ok", 1}, {"stage", "refused", 3}, {"approve", "ok", 1}, {"approve", "refused", 1},
				{"unknown", "refused", 1}, {"tick", "ok", 1}, {"approve", "error", 0},
			} {
				if v := value(after, "stagebot_commands_total", "command", c.command, "outcome", c.outcome); v != c.want {
					t.Errorf("commands_total{command=%q,outcome=%q} = %v, want %v", c.command, c.outcome, v, c.want)
				}
			}
			if m := sample(after["stagebot_commands_total"], "command", "frobnicate"); m != nil {
				t.Errorf("a mistyped command has a series of its own: %v", m)
			}
		}},
		{"stagebot_transitions_total", dto.MetricType_COUNTER, []string{"state"}, func(t *testing.T) {
			for state, want := range map[string]float64{"pending": 1, "approved": 1, "locked": 1, "stored": 1, "rejected": 0} {
				if v := value(after, "stagebot_transitions_total", "state", state); v != want {
					t.Errorf("transitions_total{state=%q} = %v, want %v", state, v, want)
				}
			}
		}},
		{"stagebot_downloads_total", dto.MetricType_COUNTER, []string{"outcome"}, func(t *testing.T) {
			for outcome, want := range map[string]float64{"ok": 1, "rejected": 2, "error": 1} {
				if v := value(after, "stagebot_downloads_total", "outcome", outcome); v != want {
					t.Errorf("downloads_total{outcome=%q} = %v, want %v", outcome, v, want)
				}
			}
		}},
		{"stagebot_download_bytes_total", dto.MetricType_COUNTER, nil, func(t *testing.T) {
			v := value(after, "stagebot_download_bytes_total")
			if v < readAtLeast || v > readAtLeast+32 {
				t.Errorf("download_bytes_total = %v, want the two clicks' %v and at most the junk's 32 more", v, readAtLeast)
			}
		}},
		{"stagebot_download_duration_seconds", dto.MetricType_HISTOGRAM, nil, func(t *testing.T) {
			if h := hist(after, "stagebot_download_duration_seconds"); h.GetSampleCount() != 4 {
				t.Errorf("download durations observed %d, want 4", h.GetSampleCount())
			}
		}},
		{"stagebot_lock_duration_seconds", dto.MetricType_HISTOGRAM, nil, func(t *testing.T) {
			h := hist(locked, "stagebot_lock_duration_seconds")
			if h.GetSampleCount() != 1 || h.GetSampleSum() <= 0 || h.GetSampleSum() > 30 {
				t.Errorf("lock durations: %d observed, sum %vs; want 1, of a positive time under the test's bound", h.GetSampleCount(), h.GetSampleSum())
			}
			var prev uint64
			for _, bk := range h.GetBucket() {
				if bk.GetCumulativeCount() < prev {
					t.Errorf("buckets not cumulative: %v", h.GetBucket())
				}
				prev = bk.GetCumulativeCount()
			}
		}},
		{"stagebot_last_tick_timestamp_seconds", dto.MetricType_GAUGE, nil, func(t *testing.T) {
			// The tick's time is stored to the second or finer; allow the second it began in.
			if v := value(after, "stagebot_last_tick_timestamp_seconds"); v < tickFrom-1 || v > tickTo {
				t.Errorf("last tick at %v, want between %v and %v", v, tickFrom, tickTo)
			}
		}},
		{"stagebot_jobs_queued_failed_attempts", dto.MetricType_GAUGE, nil, func(t *testing.T) {
			if v := value(after, "stagebot_jobs_queued_failed_attempts"); v != 0 {
				t.Errorf("failed attempts of queued jobs = %v, want 0", v)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fam := after[tt.name]
			if fam == nil {
				t.Fatalf("no %s", tt.name)
			}
			if fam.GetType() != tt.typ {
				t.Fatalf("%s is a %v, want a %v", tt.name, fam.GetType(), tt.typ)
			}
			for _, m := range fam.GetMetric() {
				var names []string
				for _, l := range m.GetLabel() {
					names = append(names, l.GetName())
				}
				if strings.Join(names, ",") != strings.Join(tt.labels, ",") {
					t.Fatalf("%s has labels %v, want %v", tt.name, names, tt.labels)
				}
			}
			tt.check(t)
		})
	}

	for _, fams := range []map[string]*dto.MetricFamily{before, locked, after} {
		followsTheRules(t, fams)
	}
	for _, gone := range []string{"stagebot_job_retries", "stagebot_seconds_since_last_tick"} {
		if _, ok := after[gone]; ok {
			t.Errorf("%s is still served", gone)
		}
	}
}

// followsTheRules checks Prometheus' naming rules over every stagebot_ family: counters and
// only counters end in _total, histograms are in seconds, and no gauge reads NaN or an
// infinity.
func followsTheRules(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	for name, fam := range fams {
		if !strings.HasPrefix(name, "stagebot_") {
			continue
		}
		counter := fam.GetType() == dto.MetricType_COUNTER
		if total := strings.HasSuffix(name, "_total"); total != counter {
			t.Errorf("%s is a %v: counters and only counters end in _total", name, fam.GetType())
		}
		if fam.GetType() == dto.MetricType_HISTOGRAM && !strings.HasSuffix(name, "_seconds") {
			t.Errorf("%s is a histogram not in seconds", name)
		}
		for _, m := range fam.GetMetric() {
			if g := m.GetGauge(); g != nil && (math.IsNaN(g.GetValue()) || math.IsInf(g.GetValue(), 0)) {
				t.Errorf("%s reads %v", name, g.GetValue())
			}
		}
	}
}
