// Package watch follows the outside signals of the staging process so nobody has to type
// them: the synced click list that click-sync publishes (each change is a tick) and the
// system-image server (a new rc-proposed build, a promotion to stable, the phasing of the
// stable image). Every watcher takes its first successful look as a baseline, keeps that
// baseline in bbolt so a restart does not re-announce, and ignores anything it cannot make
// sense of rather than act on it.
package watch
