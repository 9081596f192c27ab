package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"stagebot"
)

// healthTimeout bounds the whole question: /readyz answers within its own probe timeout
// (5 s), so a bot that takes longer is not healthy.
const healthTimeout = 10 * time.Second

// cmdHealthcheck asks the running bot's /readyz, for a container's HEALTHCHECK or a
// monitoring script; the image has no curl, and the address is the config's.
func cmdHealthcheck(args []string, stdout, stderr io.Writer) int {
	self := commandNamed("healthcheck")
	fs := newFlagSet("healthcheck")
	cfgPath := fs.String("config", "", "the bot's configuration")
	if err := fs.Parse(args); err != nil {
		return usageError(stderr, self, "%v", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, self, "unexpected argument %q", fs.Arg(0))
	}
	if *cfgPath == "" {
		return usageError(stderr, self, "the embedded default has no http.listen: give the bot's --config")
	}
	listen, err := httpListen(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "stagebot healthcheck: %v\n", err)
		return exitUsage
	}
	if listen == "" {
		fmt.Fprintf(stderr, "stagebot healthcheck: %s: http.listen is not set, so the bot has no /readyz to ask\n", *cfgPath)
		return exitUsage
	}
	ready, say := askReady(listen)
	fmt.Fprintln(stdout, stagebot.CleanText(say))
	if !ready {
		return exitRejected
	}
	return exitOK
}

// httpListen reads http.listen from the config file, and nothing else: the check needs
// none of the secrets the rest may name (${VAR} unset in its environment), and must not
// fail on a key the bot reads but the check does not.
func httpListen(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var doc struct {
		HTTP *struct {
			Listen string `yaml:"listen"`
		} `yaml:"http"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return "", fmt.Errorf("%s: not valid YAML: %v", path, err)
	}
	if doc.HTTP == nil {
		return "", nil
	}
	var unset []string
	listen := envRef.ReplaceAllStringFunc(doc.HTTP.Listen, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := os.LookupEnv(name)
		if !ok {
			unset = append(unset, name)
		}
		return v
	})
	if len(unset) > 0 {
		return "", fmt.Errorf("%s: http.listen: environment variable %s is not set", path, strings.Join(unset, ", "))
	}
	return listen, nil
}

// envRef is a ${VAR} reference, as the config writes them.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// askReady asks /readyz at listen and says what it answered, in a line.
func askReady(listen string) (bool, string) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return false, fmt.Sprintf("not ready: http.listen %q is not host:port", listen)
	}
	// The bot listens on every address: ask it on loopback, from inside its own host or
	// container.
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	where := "http://" + net.JoinHostPort(host, port) + "/readyz"
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return false, "not ready: " + err.Error()
	}
	// Straight to the bot: an HTTP_PROXY in its environment is for its downloads.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said below, once
		}
		return false, fmt.Sprintf("not ready: %s does not answer: %v", where, err)
	}
	defer resp.Body.Close()
	// /readyz says why in its first line ("not ready: ..." or "ready").
	first, _ := bufio.NewReader(io.LimitReader(resp.Body, 4096)).ReadString('\n')
	first = strings.TrimSpace(first)
	if resp.StatusCode != http.StatusOK {
		if first == "" {
			first = "not ready: " + resp.Status
		}
		if !strings.HasPrefix(first, "not ready") {
			first = "not ready: " + resp.Status + ": " + first
		}
		return false, first
	}
	return true, "ready"
}
