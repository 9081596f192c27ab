package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"stagebot/config"
	"stagebot/internal/testenv"
)

// The deployment files, from this package's folder.
const (
	dockerfile  = "../../Dockerfile"
	unitFile    = "../../deploy/stagebot.service"
	installSh   = "../../deploy/install.sh"
	defaultConf = "/etc/stagebot/stagebot.yaml"
)

// instruction is one Dockerfile instruction, its continuation lines joined.
type instruction struct {
	cmd  string // upper case: RUN, HEALTHCHECK...
	args string
}

// parseDockerfile reads the instructions (no Docker daemon runs here, so the file is
// checked by reading it) and the parser directives before them.
func parseDockerfile(t *testing.T) (directives []string, ins []instruction) {
	t.Helper()
	f, err := os.Open(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var cont strings.Builder
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			if first && strings.Contains(line, "=") {
				directives = append(directives, strings.TrimSpace(strings.TrimPrefix(line, "#")))
			} else {
				first = false
			}
			continue
		}
		first = false
		if line == "" && cont.Len() == 0 {
			continue
		}
		if body, ok := strings.CutSuffix(line, "\\"); ok {
			cont.WriteString(body + " ")
			continue
		}
		cont.WriteString(line)
		cmd, args, _ := strings.Cut(cont.String(), " ")
		ins = append(ins, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cont.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return directives, ins
}

// execForm parses the JSON array form of CMD, ENTRYPOINT and HEALTHCHECK's CMD.
func execForm(t *testing.T, what, s string) []string {
	t.Helper()
	var args []string
	if err := json.Unmarshal([]byte(s), &args); err != nil {
		t.Fatalf("%s is not in exec form (a JSON array): %s", what, s)
	}
	return args
}

// TestDockerfile: the image checks its health with its own binary (it has no curl) asking
// the config the bot runs with, within a timeout longer than the check's own; it stops with
// SIGTERM; and the Go module and build caches survive between builds.
func TestDockerfile(t *testing.T) {
	directives, ins := parseDockerfile(t)
	byCmd := map[string][]string{}
	for _, in := range ins {
		byCmd[in.cmd] = append(byCmd[in.cmd], in.args)
	}
	if !slices.Contains(directives, "syntax=docker/dockerfile:1") {
		t.Errorf("no `# syntax=docker/dockerfile:1` directive, which RUN --mount needs: %q", directives)
	}
	goRuns := 0
	for _, run := range byCmd["RUN"] {
		if strings.Contains(run, "go mod download") || strings.Contains(run, "go build") {
			goRuns++
			if !strings.Contains(run, "--mount=type=cache,target=/go/pkg/mod") {
				t.Errorf("a Go step without the module cache: RUN %s", run)
			}
		}
	}
	if goRuns < 2 {
		t.Errorf("%d RUN steps download modules or build; want both", goRuns)
	}
	if got := byCmd["STOPSIGNAL"]; len(got) != 1 || got[0] != "SIGTERM" {
		t.Errorf("STOPSIGNAL %q, want SIGTERM (the signal the bot drains on)", got)
	}

	entry := execForm(t, "ENTRYPOINT", byCmd["ENTRYPOINT"][0])
	cmd := execForm(t, "CMD", byCmd["CMD"][0])
	if want := []string{"run", "--config", defaultConf}; !slices.Equal(cmd, want) {
		t.Errorf("CMD %q, want %q", cmd, want)
	}
	if len(byCmd["HEALTHCHECK"]) != 1 {
		t.Fatalf("HEALTHCHECK %q, want one", byCmd["HEALTHCHECK"])
	}
	opts, check, ok := strings.Cut(byCmd["HEALTHCHECK"][0], "CMD ")
	if !ok {
		t.Fatalf("HEALTHCHECK %q has no CMD", byCmd["HEALTHCHECK"][0])
	}
	probe := execForm(t, "HEALTHCHECK CMD", check)
	if want := []string{entry[0], "healthcheck", "--config", defaultConf}; !slices.Equal(probe, want) {
		t.Errorf("HEALTHCHECK CMD %q, want %q: the bot's own binary, asking the config it runs with", probe, want)
	}
	timeout := time.Duration(0)
	for _, o := range strings.Fields(opts) {
		if v, ok := strings.CutPrefix(o, "--timeout="); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("HEALTHCHECK %s: %v", o, err)
			}
			timeout = d
		}
	}
	if timeout <= healthTimeout {
		t.Errorf("HEALTHCHECK --timeout %s, want more than the check's own bound %s (Docker's default is 30s; set it)", timeout, healthTimeout)
	}

	// The check itself, as Docker runs it, against a bot that is up.
	dir := t.TempDir()
	port := testenv.FreePort(t)
	cfg := healthConfig(t, dir, "docker", fmt.Sprintf("0.0.0.0:%d", port), "")
	p := startBot(t, dir, "run", "--config", cfg)
	defer p.close()
	awaitListening(t, fmt.Sprintf("127.0.0.1:%d", port))
	code, stdout, stderr := runCLI(t, dir, probe[1], probe[2], cfg)
	if code != 0 {
		t.Errorf("the HEALTHCHECK command on a bot that is up: exit %d, %q %q", code, stdout, stderr)
	}
}

// unitValues reads a systemd unit's Key=value lines (every value of a key, in order).
func unitValues(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: not Key=value: %q", path, line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

// TestSystemdUnit: the unit does not restart the bot on a config error (2) or a refused
// credential (3), gives the drain on SIGTERM longer than shutdown_grace, hands the SSH key to
// its dynamic user with LoadCredential, and every Documentation= file exists once
// deploy/install.sh has installed it; systemd itself finds nothing wrong with it.
func TestSystemdUnit(t *testing.T) {
	u := unitValues(t, unitFile)
	prevent := strings.Fields(strings.Join(u["RestartPreventExitStatus"], " "))
	for _, code := range []int{exitUsage, exitCredential} {
		if !slices.Contains(prevent, strconv.Itoa(code)) {
			t.Errorf("RestartPreventExitStatus %q lacks %d", prevent, code)
		}
	}
	stop, err := time.ParseDuration(strings.Join(u["TimeoutStopSec"], "") + "s")
	if err != nil {
		t.Fatalf("TimeoutStopSec %q: %v", u["TimeoutStopSec"], err)
	}
	if grace := config.Default().ShutdownGrace.Duration; stop <= grace {
		t.Errorf("TimeoutStopSec %s is not above shutdown_grace's default %s: systemd would kill the drain", stop, grace)
	}
	if got := u["KillSignal"]; len(got) != 1 || got[0] != "SIGTERM" {
		t.Errorf("KillSignal %q, want SIGTERM", got)
	}
	if got := strings.Join(u["LoadCredential"], " "); !strings.Contains(got, "id_ed25519:/etc/stagebot/id_ed25519") {
		t.Errorf("LoadCredential %q does not hand over the SSH key", got)
	}
	if got := u["ExecStart"]; len(got) != 1 || got[0] != "/usr/local/bin/stagebot run --config "+defaultConf {
		t.Errorf("ExecStart %q", got)
	}

	dest := t.TempDir()
	install := exec.Command("sh", installSh, binary)
	install.Env = append(os.Environ(), "DESTDIR="+dest)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("deploy/install.sh: %v\n%s", err, out)
	}
	docs := u["Documentation"]
	if len(docs) == 0 {
		t.Error("no Documentation=")
	}
	for _, d := range docs {
		for _, uri := range strings.Fields(d) {
			path, ok := strings.CutPrefix(uri, "file://")
			if !ok {
				t.Errorf("Documentation %q: not a file the install puts in place", uri)
				continue
			}
			if _, err := os.Stat(filepath.Join(dest, path)); err != nil {
				t.Errorf("Documentation %q: not installed: %v", uri, err)
			}
		}
	}
	installed := filepath.Join(dest, "etc/systemd/system/stagebot.service")
	if b, err := os.ReadFile(installed); err != nil {
		t.Fatal(err)
	} else if want, _ := os.ReadFile(unitFile); string(b) != string(want) {
		t.Error("the installed unit differs from deploy/stagebot.service")
	}

	// systemd's own reading of it, with ExecStart pointing at the installed binary.
	analyze := testenv.Tool(t, "systemd-analyze")
	unit, err := os.ReadFile(installed)
	if err != nil {
		t.Fatal(err)
	}
	check := filepath.Join(t.TempDir(), "stagebot.service")
	rewritten := strings.ReplaceAll(string(unit), "ExecStart=/usr/local/bin/stagebot", "ExecStart="+filepath.Join(dest, "usr/local/bin/stagebot"))
	if err := os.WriteFile(check, []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(analyze, "verify", check).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
