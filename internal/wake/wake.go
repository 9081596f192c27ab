// Package wake is the coalescing wake-up the bot's loops share: a channel of capacity one
// that producers signal without ever blocking. However many signals come before its reader
// looks, the reader wakes once and then reads everything new (the outbox, the job queue),
// so no signal is lost and none is worth waiting for.
package wake

// Signal wakes c's reader; a wake-up already pending stands for this one too.
func Signal(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}
