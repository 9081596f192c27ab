package bot

import "sync"

// Progress remembers which channels already took an announcement while an adapter
// delivers it to several: when one channel refuses it, the core retries the whole
// announcement, and the retry must go only where it has not gone yet. The zero value is
// ready to use.
type Progress struct {
	mu sync.Mutex
	m  map[uint64]map[string]bool
}

// Has reports whether channel took announcement seq.
func (p *Progress) Has(seq uint64, channel string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[seq][channel]
}

// Mark records that channel took announcement seq.
func (p *Progress) Mark(seq uint64, channel string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[uint64]map[string]bool{}
	}
	if p.m[seq] == nil {
		p.m[seq] = map[string]bool{}
	}
	p.m[seq][channel] = true
}

// Forget drops announcement seq once every channel took it.
func (p *Progress) Forget(seq uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, seq)
}
