package main

import (
	"crypto"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"stagebot"
	"stagebot/receipt"
)

const verifyUsage = "usage: stagebot verify --key PUB.pem [--key PUB2.pem ...] CLICK RECEIPT"

// maxReceipt is far more than any receipt: a larger RECEIPT is most likely the click given
// in its place, which is not read into memory.
const maxReceipt = 1 << 20

// cmdVerify checks a receipt offline. Several keys may be given, so that receipts signed
// before a key rotation still verify; CLICK "-" is standard input.
func cmdVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	self := commandNamed("verify")
	fs := newFlagSet("verify")
	var keyFiles stringList
	fs.Var(&keyFiles, "key", "an ed25519 public key `PUB.pem`, as openssl pkey -pubout writes it; repeat for every key used since the receipt was made")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageError(stderr, self, "%v", err)
	}
	if len(pos) != 2 || len(keyFiles) == 0 {
		return usageError(stderr, self, "needs at least one --key, a CLICK and a RECEIPT")
	}
	clickPath, receiptPath := pos[0], pos[1]

	keys := make([]crypto.PublicKey, 0, len(keyFiles))
	for _, path := range keyFiles {
		k, err := receipt.LoadPublicKey(path)
		if err != nil {
			fmt.Fprintf(stderr, "stagebot verify: --key: %v\n", err)
			return exitRejected
		}
		keys = append(keys, k)
	}
	envelope, err := readReceipt(receiptPath)
	if err != nil {
		fmt.Fprintf(stdout, "not valid: %v\n", err)
		return exitRejected
	}
	click := stdin
	if clickPath != "-" {
		f, err := os.Open(clickPath)
		if err != nil {
			fmt.Fprintf(stderr, "stagebot verify: %v\n", err)
			return exitRejected
		}
		defer f.Close()
		click = f
	}
	res, err := receipt.Verify(envelope, click, keys...)
	if err != nil {
		fmt.Fprintln(stdout, stagebot.CleanText("not valid: "+err.Error()))
		return exitRejected
	}
	fmt.Fprintln(stdout, stagebot.CleanText(describe(res)))
	return exitOK
}

func readReceipt(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReceipt+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReceipt {
		return nil, fmt.Errorf("%s is larger than any receipt: are CLICK and RECEIPT the other way round?", path)
	}
	return data, nil
}

// describe is the one line that says what a valid receipt vouches for.
func describe(res *receipt.Result) string {
	st := res.Statement
	p := st.Predicate
	names := make([]string, len(p.Approvals))
	for i, a := range p.Approvals {
		names[i] = a.By
	}
	var b strings.Builder
	fmt.Fprintf(&b, "valid: %s (sha256 %s) approved by %s", st.Subject[0].Name, st.Subject[0].Digest.SHA256, strings.Join(names, ", "))
	if p.QA != nil {
		fmt.Fprintf(&b, ", QA sign-off by %s", p.QA.By)
	}
	fmt.Fprintf(&b, "; requested by %s; request %s locked %s; signed by key %s",
		p.Requester.By, p.Request, stagebot.FormatTime(p.LockedAt), res.KeyID)
	return b.String()
}

// stringList is a flag that may be given several times.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ", ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// parseInterspersed parses flags wherever they stand among the positional arguments, as
// people type them (`verify CLICK RECEIPT --key K`); after "--" everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" && !takesValue(fs, args[:n-1]) {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// takesValue reports whether the last of parsed is a flag waiting for its value (as in
// `--key --`), so that a "--" after it is that value and not the end of the flags.
func takesValue(fs *flag.FlagSet, parsed []string) bool {
	if len(parsed) == 0 {
		return false
	}
	last := parsed[len(parsed)-1]
	name, ok := strings.CutPrefix(last, "-")
	if !ok || strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(strings.TrimPrefix(name, "-"))
	if f == nil {
		return false
	}
	b, isBool := f.Value.(interface{ IsBoolFlag() bool })
	return !isBool || !b.IsBoolFlag()
}
