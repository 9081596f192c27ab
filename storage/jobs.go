package storage

import (
	"encoding/json"
	"fmt"

	"stagebot"
)

// EnqueueJob appends a job and returns it with its sequence number.
func (t *Tx) EnqueueJob(j stagebot.Job) (stagebot.Job, error) {
	b := t.b(bucketJobs)
	seq, err := b.NextSequence()
	if err != nil {
		return j, err
	}
	j.Seq = seq
	return j, putJSON(b, itob(seq), j)
}

// PutJob rewrites a queued job (its attempt count and next try).
func (t *Tx) PutJob(j stagebot.Job) error {
	if t.b(bucketJobs).Get(itob(j.Seq)) == nil {
		return fmt.Errorf("job %d is no longer queued", j.Seq)
	}
	return putJSON(t.b(bucketJobs), itob(j.Seq), j)
}

// Job returns queued job seq.
func (t *Tx) Job(seq uint64) (stagebot.Job, bool, error) {
	var j stagebot.Job
	ok, err := getJSON(t.b(bucketJobs), itob(seq), &j)
	return j, ok, err
}

// HasJob reports whether job seq is still queued.
func (t *Tx) HasJob(seq uint64) bool { return t.b(bucketJobs).Get(itob(seq)) != nil }

// DeleteJob removes a job once its outcome is recorded.
func (t *Tx) DeleteJob(seq uint64) error { return t.b(bucketJobs).Delete(itob(seq)) }

// Jobs returns the queue in order.
func (t *Tx) Jobs() ([]stagebot.Job, error) {
	var out []stagebot.Job
	err := t.b(bucketJobs).ForEach(func(k, v []byte) error {
		var j stagebot.Job
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("decode job %d: %w", btoi(k), err)
		}
		out = append(out, j)
		return nil
	})
	return out, err
}

// JobFor returns the queued job for a request, if any.
func (t *Tx) JobFor(requestID string) (stagebot.Job, bool, error) {
	jobs, err := t.Jobs()
	if err != nil {
		return stagebot.Job{}, false, err
	}
	for _, j := range jobs {
		if j.RequestID == requestID {
			return j, true, nil
		}
	}
	return stagebot.Job{}, false, nil
}
