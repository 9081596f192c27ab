// Package intake brings a click into the bot's hands: from a bare name under
// downloads.base_url, a URL, a chat attachment or (console only) a local path. It streams the
// bytes once: into a file under state_dir, through the click inspector and through both
// hashes at the same time, and stops reading as soon as downloads.max_bytes is passed.
// Downloads take turns (limit.go), fail when their source stalls (stall.go), and a URL
// typed in chat never reaches an internal address (guard.go).
package intake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"stagebot"
	"stagebot/click"
	"stagebot/internal/asyncw"
	"stagebot/internal/writeback"
)

// Fetcher fetches and inspects clicks.
type Fetcher struct {
	BaseURL  string // for bare names
	MaxBytes int64  // 0 = no cap
	// AllowedHosts are the hosts a typed URL may name (empty = any). An internal address
	// (Internal) is reached only through a host named here exactly, never through a "*."
	// wildcard or an empty list.
	AllowedHosts []string
	Dir          string // where downloads land (state_dir/downloads)
	// Timeout bounds a whole download, start to end (downloads.timeout, whose default the
	// config sets; 0 = no bound on the whole, the idle timeout still ending a stall).
	Timeout time.Duration
	// IdleTimeout fails a download that waits this long for a byte, or for the response's
	// headers (downloads.idle_timeout; 0 = DefaultIdleTimeout).
	IdleTimeout time.Duration
	// Resolver looks up the hosts of typed URLs; nil = the system's.
	Resolver Resolver
	// Client, if set, fetches instead of the fetcher's own HTTP client (tests). Typed URLs
	// go through it only when its Transport is an *http.Transport (or nil), which then
	// dials through the internal-address guard; with another RoundTripper they are refused.
	Client *http.Client
	Click  click.Options
	Log    *slog.Logger
	// SlowAfter is how long a download runs before Source.Slow hears of it (0 =
	// DefaultSlowAfter): people should not wait in silence.
	SlowAfter time.Duration
	// MaxConcurrent is how many downloads run at once (downloads.max_concurrent; 0 =
	// DefaultMaxConcurrent); a person has one at a time. More wait their turn.
	MaxConcurrent int
	// FreeSpace says how many bytes may still be written under a folder; nil = statfs.
	FreeSpace func(dir string) (uint64, error)
	// Done, when set, hears how each Fetch ended (the metrics).
	Done func(Fetched)

	limOnce sync.Once
	lim     *limiter

	httpOnce sync.Once
	operator *http.Client // for the operator's own URLs (base_url)
	typed    *http.Client // for URLs people type: guarded
}

// Kind says where a click comes from.
type Kind int

const (
	FromName       Kind = iota // a bare file name under BaseURL
	FromURL                    // an http(s) URL
	FromPath                   // a local path (console only)
	FromAttachment             // a chat attachment, opened by the adapter
)

// Source is what a `!stage` names.
type Source struct {
	Kind  Kind
	Value string // the name, URL or path as typed; the attachment's file name
	// Open opens an attachment's bytes (FromAttachment only); size < 0 when unknown.
	Open func(ctx context.Context) (body io.ReadCloser, size int64, err error)
	// Who is the person asking (their person key): downloads run one at a time per person.
	Who string
	// Queued, if set, hears that the download waits for its turn, behind ahead others.
	Queued func(ahead int)
	// Slow, if set, hears once that the download is still under way SlowAfter after its
	// turn came: got bytes so far, of total (-1 when the server did not say).
	Slow func(got, total int64)
	// Follow, if set, gets a reader of the download's copy as soon as the first byte is
	// due: it must return at once and read from its own goroutine (the pre-upload), and
	// close the reader when done. The reader ends with io.EOF only if the whole click
	// arrived; it waits no longer than the download lasts.
	Follow func(r *Growing)
}

// Result is an inspected click in a temporary file the caller must move or remove.
type Result struct {
	Info *click.Info
	Path string
	// Label is the .click file name the source itself carries ("" when it carries none): it
	// must equal Info.Filename or the click is mislabelled.
	Label string
}

var bareName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+~_-]*\.click$`)

// ParseSource reads the argument of `!stage`: a URL, a bare name or a path.
func ParseSource(arg string) (Source, error) {
	arg = strings.TrimSpace(arg)
	switch {
	case arg == "":
		return Source{}, stagebot.Errorf(stagebot.EINVALID, "name a click: a file name, a URL or an attachment")
	case strings.Contains(arg, "://"):
		return Source{Kind: FromURL, Value: arg}, nil
	case strings.ContainsRune(arg, '/'):
		return Source{Kind: FromPath, Value: arg}, nil
	case bareName.MatchString(arg):
		return Source{Kind: FromName, Value: arg}, nil
	}
	return Source{}, stagebot.Errorf(stagebot.EINVALID, "%q is not a click name (name_version_arch.click), a URL or a path", stagebot.Quote(arg))
}

// DefaultSlowAfter is Fetcher.SlowAfter when zero.
const DefaultSlowAfter = 5 * time.Second

// Fetch brings the click in and inspects it. A click with problems is returned with its
// problems in Info (and its file already removed); errors are for what could not be read.
//
// A fetch waits for its turn (MaxConcurrent at once, one per person; src.Queued hears that
// it waits) and is refused when the downloads folder lacks room for MaxBytes.
func (f *Fetcher) Fetch(ctx context.Context, src Source) (res *Result, err error) {
	if err := os.MkdirAll(f.Dir, 0o750); err != nil {
		return nil, err
	}
	// Checked before waiting too: nobody should wait in line only to hear the disk is full.
	if err := f.checkRoom(nil); err != nil {
		return nil, err
	}
	turn, err := f.limit().acquire(ctx, src.Who, src.Queued)
	if err != nil {
		return nil, err
	}
	defer f.limit().release(turn)
	if f.Done != nil {
		began := time.Now()
		defer func() { f.Done(fetched(res, err, turn.written.Load(), time.Since(began))) }()
	}
	if err := f.checkRoom(turn); err != nil {
		return nil, err
	}
	asked := ctx
	var cancel context.CancelFunc
	if f.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	var total atomic.Int64
	total.Store(-1)
	if src.Slow != nil {
		slow := time.AfterFunc(cmp.Or(f.SlowAfter, DefaultSlowAfter), func() { src.Slow(turn.written.Load(), total.Load()) })
		defer slow.Stop()
	}
	// A local path has no peer to stall; a read of it could not be stopped anyway.
	var watch *watchdog
	if src.Kind != FromPath {
		watch = newWatchdog(f.idleTimeout(), cancel)
		defer watch.disarm()
		watch.arm()
	}
	body, size, label, err := f.open(ctx, src)
	if err != nil {
		// Judged before disarming: the wait for headers may have failed on the
		// transport's own bound, the same as the watchdog's.
		if cut := f.cutShort(asked, ctx, watch, src); cut != nil {
			return nil, cut
		}
		return nil, err
	}
	if watch != nil {
		watch.disarm()
	}
	defer body.Close()
	total.Store(size)
	if f.MaxBytes > 0 && size > f.MaxBytes {
		return nil, tooLarge(label, size, f.MaxBytes)
	}
	tmp, err := os.CreateTemp(f.Dir, tempPrefix+"*")
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var sink io.Writer = writeback.New(tmp)
	if src.Follow != nil {
		if g, err := newGrowing(tmp.Name()); err == nil {
			sink = growthWriter{sink, g}
			defer func() {
				ended := err
				if ended == nil && (res == nil || !res.Info.OK()) {
					ended = errAbandoned // not a click any request will have: stop the follower
				}
				g.end(ended)
			}()
			src.Follow(g)
		}
	}
	capped := &capReader{r: body, left: f.MaxBytes}
	var r io.Reader = body
	if f.MaxBytes > 0 {
		r = capped
	}
	r = &countReader{r: r, n: &turn.written}
	if watch != nil {
		r = watchedReader{r: r, w: watch}
	}
	// The copy is written from its own goroutine so that the disk writes overlap the
	// hashing instead of taking turns with it, and written back as it goes so that a big
	// download never makes bbolt's commits (every approval, every announcement) wait.
	store := asyncw.New(sink)
	info, err := click.Inspect(io.TeeReader(r, store), f.Click)
	if serr := store.Close(); err == nil && serr != nil {
		return nil, fmt.Errorf("store the download: %w", serr)
	}
	if f.MaxBytes > 0 && capped.left < 0 {
		return nil, tooLarge(label, -1, f.MaxBytes)
	}
	if err != nil {
		if cut := f.cutShort(asked, ctx, watch, src); cut != nil {
			return nil, cut
		}
		return nil, stagebot.Errorf(stagebot.EINVALID, "could not read %s: %v", stagebot.Quote(describe(src)), err)
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	res = &Result{Info: info, Path: tmp.Name(), Label: label}
	if !info.OK() {
		return res, nil
	}
	keep = true
	return res, nil
}

func (f *Fetcher) idleTimeout() time.Duration {
	if f.IdleTimeout > 0 {
		return f.IdleTimeout
	}
	return DefaultIdleTimeout
}

// cutShort says why the download's own limits ended it (ctx, made from asked), or nil
// when they did not: an asker who gave up needs no explanation.
func (f *Fetcher) cutShort(asked, ctx context.Context, watch *watchdog, src Source) error {
	switch {
	case asked.Err() != nil:
		return nil
	case watch != nil && watch.stalled():
		return stagebot.Errorf(stagebot.EINVALID, "download of %s stalled: nothing arrived for %s (downloads.idle_timeout)", stagebot.Quote(describe(src)), f.idleTimeout())
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return stagebot.Errorf(stagebot.EINVALID, "download of %s timed out: not done after %s (downloads.timeout)", stagebot.Quote(describe(src)), f.Timeout)
	}
	return nil
}

// countReader adds what it reads to n.
type countReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type errTooLarge struct{}

func (*errTooLarge) Error() string { return "download exceeds downloads.max_bytes" }

// capReader fails once more than left bytes are read, so a lying or absent Content-Length
// cannot make the bot read an endless body.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, &errTooLarge{}
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n, &errTooLarge{}
	}
	return n, err
}

func tooLarge(label string, size, max int64) error {
	what := label
	if what == "" {
		what = "the click"
	}
	if size > 0 {
		return stagebot.Errorf(stagebot.ETOOLARGE, "%s is %s, over the limit of %s (downloads.max_bytes)", stagebot.Quote(what), stagebot.FormatSize(size), stagebot.FormatSize(max))
	}
	return stagebot.Errorf(stagebot.ETOOLARGE, "%s is over the limit of %s (downloads.max_bytes)", stagebot.Quote(what), stagebot.FormatSize(max))
}

func describe(src Source) string {
	if src.Value != "" {
		return stagebot.RedactURL(src.Value)
	}
	return "the click"
}

func (f *Fetcher) open(ctx context.Context, src Source) (io.ReadCloser, int64, string, error) {
	switch src.Kind {
	case FromName:
		if f.BaseURL == "" {
			return nil, 0, "", stagebot.Errorf(stagebot.EINVALID, "bare click names need downloads.base_url, which is not configured; give a URL")
		}
		u, err := url.Parse(f.BaseURL)
		if err != nil {
			return nil, 0, "", fmt.Errorf("downloads.base_url: %w", err)
		}
		u = u.JoinPath(src.Value)
		// The base URL is the operator's own upload queue: the allowlist is for what
		// people type, so a bare name is not checked against it.
		body, size, err := f.get(ctx, u, false)
		return body, size, src.Value, err
	case FromURL:
		u, err := url.Parse(src.Value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, 0, "", stagebot.Errorf(stagebot.EINVALID, "%q is not an http(s) URL", stagebot.Quote(stagebot.RedactURL(src.Value)))
		}
		label := ""
		if last := path.Base(u.Path); strings.HasSuffix(last, ".click") {
			label = last
		}
		body, size, err := f.get(ctx, u, true)
		return body, size, label, err
	case FromPath:
		fh, err := os.Open(src.Value)
		if err != nil {
			return nil, 0, "", stagebot.Errorf(stagebot.EINVALID, "cannot open %s: %v", stagebot.Quote(src.Value), pathError(err))
		}
		st, err := fh.Stat()
		if err != nil || !st.Mode().IsRegular() {
			fh.Close()
			return nil, 0, "", stagebot.Errorf(stagebot.EINVALID, "%s is not a regular file", stagebot.Quote(src.Value))
		}
		label := ""
		if b := filepath.Base(src.Value); strings.HasSuffix(b, ".click") {
			label = b
		}
		return fh, st.Size(), label, nil
	case FromAttachment:
		if src.Open == nil {
			return nil, 0, "", fmt.Errorf("attachment source without an opener")
		}
		body, size, err := src.Open(ctx)
		if err != nil {
			return nil, 0, "", err
		}
		label := ""
		if strings.HasSuffix(src.Value, ".click") {
			label = path.Base(src.Value)
		}
		return body, size, label, nil
	}
	return nil, 0, "", fmt.Errorf("unknown source kind %d", src.Kind)
}

func pathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (f *Fetcher) get(ctx context.Context, u *url.URL, typed bool) (io.ReadCloser, int64, error) {
	if typed && !HostAllowed(f.AllowedHosts, u.Hostname()) {
		return nil, 0, stagebot.Errorf(stagebot.EFORBIDDEN, "%s is not an allowed download host (downloads.allowed_hosts)", stagebot.Quote(u.Hostname()))
	}
	operator, guarded := f.clients()
	client := operator
	if typed {
		client = guarded
	}
	// Every message below may reach chat or a log: the URL is shown redacted (the base URL
	// may carry credentials, a typed URL a signed token).
	shown := stagebot.RedactURL(u.String())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, stagebot.Errorf(stagebot.EINVALID, "bad URL %s", stagebot.Quote(shown))
	}
	resp, err := client.Do(req)
	if err != nil {
		var se *stagebot.Error
		if errors.As(err, &se) {
			return nil, 0, se
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, 0, stagebot.Errorf(stagebot.EINVALID, "download of %s timed out", stagebot.Quote(shown))
		}
		return nil, 0, stagebot.Errorf(stagebot.EINVALID, "download of %s failed: %s", stagebot.Quote(shown), stagebot.Quote(stagebot.RedactText(rootCause(err).Error())))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, stagebot.Errorf(stagebot.EINVALID, "download of %s failed: HTTP %s", stagebot.Quote(shown), stagebot.Quote(resp.Status))
	}
	return resp.Body, resp.ContentLength, nil
}

// clients are the HTTP clients for the operator's URLs and for typed ones, made on first
// use. Both wait at most the idle timeout for a response's headers. The typed one dials
// through the guard, never through a proxy (the guard would judge the proxy's address,
// not the server's), and checks every redirect against the allowlist.
func (f *Fetcher) clients() (operator, typed *http.Client) {
	f.httpOnce.Do(func() {
		base := f.Client
		if base == nil {
			base = &http.Client{}
		}
		op, ty := *base, *base
		tr, ok := base.Transport.(*http.Transport)
		if base.Transport == nil {
			tr, ok = http.DefaultTransport.(*http.Transport), true
		}
		if ok {
			opTr := tr.Clone()
			if opTr.ResponseHeaderTimeout == 0 {
				opTr.ResponseHeaderTimeout = f.idleTimeout()
			}
			op.Transport = opTr
			tyTr := opTr.Clone()
			tyTr.Proxy = nil
			tyTr.DialContext = (&guard{allowed: f.AllowedHosts, resolver: f.Resolver}).dialContext
			tyTr.DialTLSContext = nil
			ty.Transport = tyTr
		} else {
			ty.Transport = unguarded{}
		}
		ty.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			if !HostAllowed(f.AllowedHosts, req.URL.Hostname()) {
				return stagebot.Errorf(stagebot.EFORBIDDEN, "redirect to %s, which is not an allowed download host", stagebot.Quote(req.URL.Hostname()))
			}
			return nil
		}
		f.operator, f.typed = &op, &ty
	})
	return f.operator, f.typed
}

// unguarded stands in for a transport the guard cannot be fitted to: a typed URL is
// refused rather than fetched unchecked.
type unguarded struct{}

func (unguarded) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, stagebot.Errorf(stagebot.EFORBIDDEN, "typed URLs are not fetched here: the bot's HTTP transport cannot check their addresses")
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}

// HostAllowed reports whether host is on the allowlist ("*.example.com" matches subdomains).
// Whether its addresses may be internal is the guard's to judge, when it connects.
func HostAllowed(allowed []string, host string) bool {
	if len(allowed) == 0 {
		return true
	}
	if namedExactly(allowed, host) {
		return true
	}
	host = normalHost(host)
	for _, a := range allowed {
		if suffix, ok := strings.CutPrefix(normalHost(a), "*."); ok && strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}
