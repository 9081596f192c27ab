package intake

import "time"

// Fetched is how one download that got its turn ended.
type Fetched struct {
	Outcome string // FetchOK, FetchRejected or FetchFailed
	Bytes   int64  // read from the source
	Took    time.Duration
}

// Outcomes of a download.
const (
	FetchOK       = "ok"       // an acceptable click
	FetchRejected = "rejected" // read, but not a click the bot takes (its problems are the answer)
	FetchFailed   = "error"    // not read to the end: unreachable, too large, stalled, timed out, no room
)

func fetched(res *Result, err error, n int64, took time.Duration) Fetched {
	f := Fetched{Outcome: FetchOK, Bytes: n, Took: took}
	switch {
	case err != nil || res == nil:
		f.Outcome = FetchFailed
	case !res.Info.OK():
		f.Outcome = FetchRejected
	}
	return f
}
