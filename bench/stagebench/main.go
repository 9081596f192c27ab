// Command stagebench measures stagebot against its baselines (issue 8) and prints one table.
// It is run by bench/run, which builds the binaries it needs; see that script for the parts.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

type options struct {
	work, stagebot, floorbot, errbotPlugins string
	quick                                   bool
	only, rev                               string
	clickSize                               int64
	commands                                int
	history                                 int
}

// row is one line of the result table. target is empty for figures that are only reported.
type row struct {
	id, metric, stagebot, ref, ratio, target, verdict string
}

var rows []row

// failed is set when a part could not be measured: the command then exits 1, so a bench
// that rots fails CI even though --quick judges no numbers.
var failed bool

// notes are printed under the table: profiles of misses, what could not run.
var notes []string

func note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	notes = append(notes, s)
	fmt.Fprintln(os.Stderr, "bench: "+strings.Split(s, "\n")[0])
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

var opt options

// prioritised lists the parts run under boost.
var prioritised []string

// loadStart is /proc/loadavg when the bench started: other work on the machine shows in
// tail latencies.
var loadStart = func() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if l := strings.Fields(string(b)); len(l) >= 3 {
		return strings.Join(l[:3], " ")
	}
	return "?"
}()

func main() {
	if len(os.Args) > 1 && os.Args[1] == "inproc-bot" {
		os.Exit(inprocBot(os.Args[2:]))
	}
	flag.StringVar(&opt.work, "work", "", "work folder (removed by bench/run)")
	flag.StringVar(&opt.stagebot, "stagebot", "", "stagebot binary")
	flag.StringVar(&opt.floorbot, "floorbot", "", "floor IRC bot binary")
	flag.StringVar(&opt.errbotPlugins, "errbot-plugins", "", "folder of the Errbot plugin")
	flag.BoolVar(&opt.quick, "quick", false, "CI variant: small sizes, no Errbot, no judging")
	flag.StringVar(&opt.only, "only", "", "comma-separated parts to run (p1,p2,p3,p4,p5,p6; p2 and p3 run together); empty = all")
	flag.StringVar(&opt.rev, "rev", "", "the source revision measured, for the header")
	clickMiB := flag.Int64("click-mib", 0, "click size in MiB (0: 1024, or 10 with --quick); for trying the bench out")
	flag.Parse()
	if opt.work == "" || opt.stagebot == "" {
		fmt.Fprintln(os.Stderr, "usage: stagebench --work DIR --stagebot BIN [--floorbot BIN] [--errbot-plugins DIR] [--quick] [--only p1,p4,p5,p6]")
		os.Exit(2)
	}
	opt.clickSize, opt.commands, opt.history = 1<<30, 300, 100_000
	if opt.quick {
		opt.clickSize, opt.commands, opt.history = 10<<20, 100, 10_000
	}
	if *clickMiB > 0 {
		opt.clickSize = *clickMiB << 20
	}
	start := time.Now()
	run := func(name string, fn func() error) {
		if opt.only != "" && name != "p2" && !strings.Contains(","+opt.only+",", ","+name+",") {
			return
		}
		logf("%s starts", name)
		if err := fn(); err != nil {
			failed = true
			note("%s did not complete: %v", strings.ToUpper(name), err)
			rows = append(rows, row{id: strings.ToUpper(name), metric: "(did not complete, see notes)"})
		}
	}
	run("p1", p1)
	run("p4", p4)
	// P3 and P2 share InspIRCd; P3 first: idle means no command has been served yet.
	if opt.only == "" || strings.Contains(opt.only, "p2") || strings.Contains(opt.only, "p3") {
		run("p2", ircParts)
	}
	run("p6", p6)
	// P5 last: its load (big downloads, many clients) would linger into the others.
	run("p5", p5)
	printTable(time.Since(start))
	if failed {
		fmt.Fprintln(os.Stderr, "bench: some parts could not be measured (see notes)")
		os.Exit(1)
	}
}

// judge fills the verdict: met/MISSED in a full run, "-" in the quick one.
func judge(ok bool) string {
	if opt.quick {
		return "-"
	}
	if ok {
		return "met"
	}
	return "MISSED"
}

func printTable(took time.Duration) {
	mode := "full"
	if opt.quick {
		mode = "quick (not judged)"
	}
	fmt.Printf("\nstagebot bench, %s run of %s, %s, %s\n\n", mode, dash(opt.rev), hostLine(), took.Round(time.Second))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "part\tmetric\tstagebot\treference\tratio\ttarget\tverdict")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.metric, dash(r.stagebot), dash(r.ref), dash(r.ratio), dash(r.target), dash(r.verdict))
	}
	w.Flush()
	if len(prioritised) > 0 {
		note("%s ran at nice -10 (the bench and the servers and bots it started), P1 at normal priority: the tail latencies should show the software, not the machine's other load", strings.Join(prioritised, ", "))
	}
	if len(notes) > 0 {
		fmt.Println("\nnotes:")
		for _, n := range notes {
			fmt.Println("- " + strings.ReplaceAll(n, "\n", "\n    "))
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func hostLine() string {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	n := 0
	if es, err := filepath.Glob("/sys/devices/system/cpu/cpu[0-9]*"); err == nil {
		n = len(es)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	l := strings.Fields(string(load))
	if len(l) >= 3 {
		return fmt.Sprintf("%d x %s, load average at start %s, at end %s", n, cpu, loadStart, strings.Join(l[:3], " "))
	}
	return fmt.Sprintf("%d x %s", n, cpu)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
func secs(d time.Duration) string {
	return fmt.Sprintf("%.2f s", d.Seconds())
}
func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}
