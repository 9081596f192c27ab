package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// consoleBot is a stagebot (or the in-process variant) driven over stdin/stdout.
type consoleBot struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	done   chan struct{}
	stderr string // path of its log
}

func startConsoleBot(bin string, args []string, logPath string) (*consoleBot, error) {
	cmd := exec.Command(bin, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	b := &consoleBot{cmd: cmd, stdin: stdin, lines: make(chan string, 4096), done: make(chan struct{}), stderr: logPath}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			b.lines <- sc.Text()
		}
		close(b.lines)
	}()
	go func() { _ = cmd.Wait(); logf.Close(); close(b.done) }()
	return b, nil
}

func (b *consoleBot) say(line string) error {
	_, err := io.WriteString(b.stdin, line+"\n")
	return err
}

// expect waits for the next stdout line matching re; lines before it are skipped.
func (b *consoleBot) expect(re string, timeout time.Duration) ([]string, error) {
	rx := regexp.MustCompile(re)
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-b.lines:
			if !ok {
				return nil, fmt.Errorf("stagebot exited before printing %q; its log: %s", re, tail(b.stderr))
			}
			if m := rx.FindStringSubmatch(l); m != nil {
				return m, nil
			}
		case <-deadline:
			return nil, fmt.Errorf("no line matching %q within %v; its log: %s", re, timeout, tail(b.stderr))
		}
	}
}

// finish closes stdin (the console bot drains and exits 0) and returns its rusage.
func (b *consoleBot) finish(timeout time.Duration) (*syscall.Rusage, error) {
	b.stdin.Close()
	go func() {
		for range b.lines {
		}
	}()
	select {
	case <-b.done:
	case <-time.After(timeout):
		b.cmd.Process.Kill()
		<-b.done
		return nil, fmt.Errorf("did not exit within %v after EOF", timeout)
	}
	st := b.cmd.ProcessState
	ru, _ := st.SysUsage().(*syscall.Rusage)
	if !st.Success() {
		return ru, fmt.Errorf("exited %v; its log: %s", st, tail(b.stderr))
	}
	return ru, nil
}

func (b *consoleBot) kill() {
	select {
	case <-b.done:
	default:
		b.cmd.Process.Kill()
		<-b.done
	}
}

// tail is the end of a log file, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return strings.TrimSpace(string(b))
}

// vmRSS reads VmRSS (KiB) from /proc/PID/status.
func vmRSS(pid int) (int64, error) { return procStatus(pid, "VmRSS") }

// rssSplit is RssAnon and RssFile (KiB): heap and stacks vs mapped binary and bbolt pages.
func rssSplit(pid int) string {
	a, err1 := procStatus(pid, "RssAnon")
	f, err2 := procStatus(pid, "RssFile")
	if err1 != nil || err2 != nil {
		return ""
	}
	return fmt.Sprintf(" (anon %s, file %s)", mib(a), mib(f))
}

func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == key+":" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s for pid %d", key, pid)
}

// pprofTop runs `go tool pprof -top` on a profile and keeps the first n entries.
func pprofTop(bin, profile string, n int, extra ...string) string {
	args := append([]string{"tool", "pprof", "-top", "-nodecount=" + strconv.Itoa(n)}, extra...)
	if bin != "" {
		args = append(args, bin)
	}
	args = append(args, profile)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("(go tool pprof failed: %v: %s)", err, out)
	}
	return strings.TrimSpace(string(out))
}

func tool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range []string{"/usr/sbin/", "/sbin/"} {
		if _, err := os.Stat(d + name); err == nil {
			return d + name
		}
	}
	return name
}

// rssByMapping sums Rss per mapped file (and anonymous memory) from /proc/PID/smaps, the
// largest first: what the file-backed part of an idle RSS is made of.
func rssByMapping(pid int, n int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return ""
	}
	sums := map[string]int64{}
	cur := "[anon]"
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if !strings.HasSuffix(f[0], ":") { // a mapping header: addr perms offset dev inode [path]
			cur = "[anon]"
			if len(f) >= 6 {
				cur = strings.Join(f[5:], " ")
			}
			continue
		}
		if f[0] == "Rss:" && len(f) >= 2 {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			sums[cur] += v
		}
	}
	type kv struct {
		k string
		v int64
	}
	var kvs []kv
	for k, v := range sums {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	var out []string
	for i, x := range kvs {
		if i == n {
			break
		}
		out = append(out, fmt.Sprintf("%s %s", mib(x.v), x.k))
	}
	return strings.Join(out, "; ")
}

// descendantsOf lists the processes below pid, from /proc.
func descendantsOf(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentPid(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// processAlive is false once pid is gone or a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && !strings.HasPrefix(strings.TrimSpace(string(b[i+1:])), "Z")
}

// parentPid reads the parent's pid from /proc/PID/stat; the command name may hold spaces
// and parentheses, so the fields are counted from the last ')'.
func parentPid(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	v, err := strconv.Atoi(f[1])
	return v, err == nil
}
