package snakefruit

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// dialer opens authenticated SSH connections to one host, checking its key against
// known_hosts every time.
type dialer struct {
	addr      string
	timeout   time.Duration
	keepAlive time.Duration
	config    *ssh.ClientConfig
}

func newDialer(cfg Config, addr, user string) (dialer, error) {
	signer, kerr := loadKey(cfg.SSHKey, cfg.Passphrase)
	if kerr != nil {
		return dialer{}, kerr
	}
	check, kerr := loadKnownHosts(cfg.KnownHosts, addr)
	if kerr != nil {
		return dialer{}, kerr
	}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	keepAlive := cfg.KeepAlive
	if keepAlive <= 0 {
		keepAlive = DefaultKeepAlive
	}
	return dialer{
		addr:      addr,
		timeout:   timeout,
		keepAlive: keepAlive,
		config: &ssh.ClientConfig{
			User:              user,
			Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback:   checkHostKey(check),
			HostKeyAlgorithms: hostKeyAlgorithms(check, addr),
		},
	}, nil
}

// checkHostKey turns known_hosts refusals into HostKeyErrors that name the presented key.
func checkHostKey(check ssh.HostKeyCallback) ssh.HostKeyCallback {
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := check(host, remote, key)
		if err == nil {
			return nil
		}
		var keyErr *knownhosts.KeyError
		return &HostKeyError{
			Host:        knownhosts.Normalize(host),
			Fingerprint: ssh.FingerprintSHA256(key),
			Type:        key.Type(),
			Unknown:     errors.As(err, &keyErr) && len(keyErr.Want) == 0,
			Err:         err,
		}
	}
}

// hostKeyAlgorithms puts the key types known_hosts holds for addr first. Otherwise the server
// may pick a type we hold no key for, and a correctly configured host would look like an
// impostor (as OpenSSH's own client avoids the same way).
func hostKeyAlgorithms(check ssh.HostKeyCallback, addr string) []string {
	_, port, _ := net.SplitHostPort(addr)
	p := 0
	fmt.Sscan(port, &p)
	probe, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, 32))) // matches no real key
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if err := check(addr, &net.TCPAddr{IP: net.IPv4zero, Port: p}, probe); !errors.As(err, &keyErr) || len(keyErr.Want) == 0 {
		return nil
	}
	var first []string
	for _, k := range keyErr.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			first = append(first, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			first = append(first, t)
		}
	}
	algos := slices.Clone(first)
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !slices.Contains(algos, a) {
			algos = append(algos, a)
		}
	}
	return algos
}

// dial connects, checks the host key, authenticates and starts sftp, all within the dial
// timeout: a server that accepts TCP and then stalls must not hang the caller. heard is
// called at every reply of either sftp session: the server answering.
func (d dialer) dial(ctx context.Context, heard func()) (*sftpConn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var nd net.Dialer
	nc, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, &ConnError{Op: "connect to " + d.addr, Err: err, Addr: d.addr, phase: phaseConnect}
	}
	// Past the dial, only a deadline on the socket can interrupt the handshake.
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Unix(1, 0)) })
	conn, chans, reqs, err := ssh.NewClientConn(nc, d.addr, d.config)
	if err != nil {
		stop()
		_ = nc.Close()
		var hk *HostKeyError
		switch {
		case errors.As(err, &hk):
			return nil, hk
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &AuthError{d.addr, err}
		default:
			return nil, &ConnError{Op: "ssh handshake with " + d.addr, Err: timeoutCause(ctx, err), Addr: d.addr, phase: phaseHandshake}
		}
	}
	c := &sftpConn{ssh: ssh.NewClient(conn, chans, reqs), dead: make(chan struct{})}
	c.sftp, err = newSFTPClient(c.ssh, heard)
	if err == nil {
		// A second sftp session is a second server process: it can fsync while the first
		// reads back, where one process would do them in turn.
		c.aux, err = startSFTP(c.ssh, heard)
	}
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		c.close()
		return nil, &ConnError{Op: "start sftp on " + d.addr, Err: timeoutCause(ctx, err), Addr: d.addr, phase: phaseSFTP}
	}
	go func() { _ = c.ssh.Wait(); close(c.dead) }()
	go keepAlive(c, d.keepAlive)
	return c, nil
}

// DefaultKeepAlive is the keepalive interval when Config.KeepAlive is zero, as OpenSSH's
// ServerAliveInterval 15 with its ServerAliveCountMax of 3.
const DefaultKeepAlive = 15 * time.Second

// keepAliveMisses is how many intervals without a reply end a connection.
const keepAliveMisses = 3

// keepAlive asks the server for a reply every interval and closes the connection when none
// came for keepAliveMisses intervals. A link that died silently (a host gone, a firewall
// that forgot the flow) would otherwise hold the operation under way, and the worker behind
// it, until TCP gives up retransmitting, many minutes later; closed, the operation fails
// and the job is retried on a new connection.
func keepAlive(c *sftpConn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastReply atomic.Int64
	lastReply.Store(time.Now().UnixNano())
	var asking atomic.Bool
	for {
		select {
		case <-c.dead:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, lastReply.Load())) > keepAliveMisses*every {
			// The transport only: what runs on it fails as a lost connection, and its
			// owner drops it as it would any dead connection.
			_ = c.ssh.Close()
			return
		}
		if asking.CompareAndSwap(false, true) {
			go func() {
				defer asking.Store(false)
				// Any reply, "unknown request" included, is a sign of life.
				if _, _, err := c.ssh.SendRequest("keepalive@openssh.com", true, nil); err == nil {
					lastReply.Store(time.Now().UnixNano())
				}
			}()
		}
	}
}

// timeoutCause says that the deadline, not the server, broke the connection when it did.
func timeoutCause(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// openSSHPacket is the largest read or write OpenSSH's sftp-server takes in one request
// (SFTP_MAX_MSG_LENGTH less room for the header), as its limits@openssh.com reply says.
// Packets this size instead of the protocol's guaranteed 32 KiB make bulk transfers
// markedly cheaper, as OpenSSH's own sftp client does.
const openSSHPacket = 256*1024 - 1024

// concurrentRequests in flight per file: enough to keep a link busy, while bounding what a
// transfer holds in memory to concurrentRequests packets.
const concurrentRequests = 32

func newSFTPClient(sc *ssh.Client, heard func()) (*sftp.Client, error) {
	opts := []sftp.ClientOption{
		sftp.UseConcurrentWrites(true),
		sftp.UseConcurrentReads(true),
		sftp.UseFstat(true),
		sftp.MaxConcurrentRequestsPerFile(concurrentRequests),
	}
	fc, err := startSFTP(sc, heard, opts...)
	if err != nil {
		return nil, err
	}
	// Only a server that announces OpenSSH's limits extension is known to take big packets;
	// pkg/sftp fixes the packet size per client, so that client is replaced.
	if _, ok := fc.HasExtension("limits@openssh.com"); !ok {
		return fc, nil
	}
	big, err := startSFTP(sc, heard, append(opts, sftp.MaxPacketUnchecked(openSSHPacket))...)
	if err != nil {
		return fc, nil
	}
	_ = fc.Close()
	return big, nil
}

// startSFTP starts an sftp session on sc, as sftp.NewClient does, but with every read of
// the server's replies reported to heard.
func startSFTP(sc *ssh.Client, heard func(), opts ...sftp.ClientOption) (*sftp.Client, error) {
	sess, err := sc.NewSession()
	if err != nil {
		return nil, err
	}
	c, err := func() (*sftp.Client, error) {
		w, err := sess.StdinPipe()
		if err != nil {
			return nil, err
		}
		r, err := sess.StdoutPipe()
		if err != nil {
			return nil, err
		}
		stderr, err := sess.StderrPipe()
		if err != nil {
			return nil, err
		}
		if err := sess.RequestSubsystem("sftp"); err != nil {
			return nil, err
		}
		go func() { _, _ = io.Copy(io.Discard, stderr) }()
		return sftp.NewClientPipe(heardReader{r, heard}, w, opts...)
	}()
	if err != nil {
		_ = sess.Close()
		return nil, err
	}
	return c, nil
}

// heardReader calls heard whenever bytes come from the server.
type heardReader struct {
	r     io.Reader
	heard func()
}

func (h heardReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.heard()
	}
	return n, err
}
