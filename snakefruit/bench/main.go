// Command bench times snakefruit's sftp Put of a large file against OpenSSH's own `sftp -b`
// put of the same file to the same throwaway sshd, and reports the ratio and the peak RSS of
// the process doing the Put (run as a child so its Maxrss is its own).
//
//	go run ./snakefruit/bench -size 1GiB
//
// It exits 1 when a target (ratio ≤ 1.25, peak RSS ≤ 64 MiB) is missed.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
)

const (
	maxRatio  = 1.25
	maxRSSMiB = 64
)

func main() {
	size := flag.String("size", envOr("SNAKEFRUIT_BENCH_SIZE", "1GiB"), "file size: bytes, or with KiB/MiB/GiB")
	runs := flag.Int("runs", 3, "measurements of each; the medians are compared")
	dir := flag.String("dir", "", "work folder (default: a new one under $TMPDIR)")
	runChildIfAsked()
	flag.Parse()
	n, err := parseSize(*size)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ok, err := run(n, *runs, *dir, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// childEnv marks the child process that does the measured Put; an environment variable
// rather than a flag, so that a test binary can be the child too.
const childEnv = "SNAKEFRUIT_BENCH_CHILD"

// runChildIfAsked does the child's Put and exits, when this process is the child.
func runChildIfAsked() {
	if os.Getenv(childEnv) != "1" {
		return
	}
	if err := childPut(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

type childResult struct {
	Seconds float64 `json:"seconds"`
}

// run does the whole measurement and writes the report to w.
func run(size int64, runs int, dir string, w io.Writer) (bool, error) {
	sshd, err := lookTool("sshd")
	if err != nil {
		return false, err
	}
	sftpBin, err := lookTool("sftp")
	if err != nil {
		return false, err
	}
	work, err := os.MkdirTemp(dir, "snakefruit-bench-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	srv, err := sshdtest.New(sshd, work, sshdtest.Options{})
	if err != nil {
		return false, err
	}
	defer srv.Stop()

	src := filepath.Join(work, "big.click")
	sum, err := writeRandom(src, size)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "file: %d bytes (%.0f MiB), sha256 %s\n", size, float64(size)/(1<<20), sum[:16])

	var sftpTimes, putTimes []float64
	var peakRSS int64
	for i := range runs {
		var st, pt, sc, pc float64
		var rss int64
		// Each transfer starts with no dirty pages of the other's to flush, and the order
		// alternates so neither always runs second.
		measureSFTP := func() (err error) { syscall.Sync(); st, sc, err = sftpPut(sftpBin, srv, src, work); return err }
		measurePut := func() (err error) { syscall.Sync(); pt, rss, pc, err = putInChild(srv, src, size, sum); return err }
		first, second := measureSFTP, measurePut
		if i%2 == 1 {
			first, second = measurePut, measureSFTP
		}
		if err := first(); err != nil {
			return false, err
		}
		if err := second(); err != nil {
			return false, err
		}
		if err := verifyLanded(filepath.Join(srv.Dir, "put-copy.click"), sum); err != nil {
			return false, err
		}
		for _, name := range []string{"put-copy.click", "sftp-copy.click"} {
			_ = os.Remove(filepath.Join(srv.Dir, name))
		}
		sftpTimes, putTimes = append(sftpTimes, st), append(putTimes, pt)
		peakRSS = max(peakRSS, rss)
		fmt.Fprintf(w, "run %d: sftp -b put %.2fs (%.0f MiB/s, client CPU %.2fs), Target.Put %.2fs (%.0f MiB/s, client CPU %.2fs), Put process peak RSS %.1f MiB\n",
			i+1, st, mibps(size, st), sc, pt, mibps(size, pt), pc, float64(rss)/(1<<20))
	}
	ratio := median(putTimes) / median(sftpTimes)
	rssMiB := float64(peakRSS) / (1 << 20)
	ok := ratio <= maxRatio && rssMiB <= maxRSSMiB
	fmt.Fprintf(w, "ratio Put/sftp (medians): %.2f (target ≤ %.2f)\npeak RSS of the Put process: %.1f MiB (target ≤ %d MiB)\n", ratio, maxRatio, rssMiB, maxRSSMiB)
	if ok {
		fmt.Fprintln(w, "result: within targets")
	} else {
		fmt.Fprintln(w, "result: TARGET MISSED")
	}
	return ok, nil
}

func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin/", "/sbin/"} {
		if _, err := os.Stat(dir + name); err == nil {
			return dir + name, nil
		}
	}
	return "", fmt.Errorf("%s not found (Debian: openssh-server / openssh-client)", name)
}

// writeRandom fills path with incompressible bytes and returns their sha256.
func writeRandom(path string, size int64) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	rng := rand.NewChaCha8([32]byte{1})
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := int(min(left, int64(len(buf))))
		_, _ = rng.Read(buf[:n])
		h.Write(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			return "", err
		}
		left -= int64(n)
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}

func sftpPut(bin string, srv *sshdtest.Server, src, work string) (secs, cpu float64, err error) {
	batch := filepath.Join(work, "batch")
	if err := os.WriteFile(batch, []byte("put "+src+" "+srv.Dir+"/sftp-copy.click\n"), 0o644); err != nil {
		return 0, 0, err
	}
	cmd := exec.Command(bin, "-q", "-b", batch, "-i", srv.KeyPath,
		"-o", "UserKnownHostsFile="+srv.KnownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
		"-P", strconv.Itoa(srv.Port), srv.User+"@"+srv.Host)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, fmt.Errorf("sftp -b: %v: %s", err, out)
	}
	return time.Since(start).Seconds(), cpuSeconds(cmd.ProcessState), nil
}

// cpuSeconds is the user and system time of a finished child and the children it waited for
// (sftp's ssh): the client side's cost, whatever else competes for the CPUs.
func cpuSeconds(ps *os.ProcessState) float64 { return (ps.UserTime() + ps.SystemTime()).Seconds() }

// putInChild runs one Put in a child process and returns its duration and peak RSS in bytes.
func putInChild(srv *sshdtest.Server, src string, size int64, sum string) (secs float64, rss int64, cpu float64, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"BENCH_TARGET="+srv.TargetURL(), "BENCH_KEY="+srv.KeyPath, "BENCH_KNOWN_HOSTS="+srv.KnownHosts,
		"BENCH_SRC="+src, "BENCH_SIZE="+strconv.FormatInt(size, 10), "BENCH_SHA256="+sum)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("put child: %v", err)
	}
	var res childResult
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, 0, 0, fmt.Errorf("put child said %q: %v", out, err)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, 0, fmt.Errorf("no rusage for the Put child")
	}
	return res.Seconds, ru.Maxrss * 1024, cpuSeconds(cmd.ProcessState), nil // Linux reports Maxrss in KiB
}

func childPut() error {
	size, err := strconv.ParseInt(os.Getenv("BENCH_SIZE"), 10, 64)
	if err != nil {
		return err
	}
	ctx := context.Background()
	start := time.Now()
	tg, err := snakefruit.Open(ctx, snakefruit.Config{
		Target:     os.Getenv("BENCH_TARGET"),
		SSHKey:     os.Getenv("BENCH_KEY"),
		KnownHosts: os.Getenv("BENCH_KNOWN_HOSTS"),
	})
	if err != nil {
		return err
	}
	defer tg.Close()
	if err := tg.Put(ctx, "put-copy.click", os.Getenv("BENCH_SRC"), size, os.Getenv("BENCH_SHA256")); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(childResult{Seconds: time.Since(start).Seconds()})
}

func verifyLanded(path, sum string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("%s has sha256 %s, want %s", path, got, sum)
	}
	return nil
}

func mibps(size int64, secs float64) float64 { return float64(size) / (1 << 20) / secs }

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
