// Package stagebot holds the domain of the staging bot: requests to lock a click on snakefruit,
// their states, the team and its roles, the approval policy, announcements and the typed errors
// every layer returns. It depends on nothing but the standard library and uuid, so that
// storage, the workflow, the commands and every chat adapter speak the same language.
//
// Who may do what (the contract's command table):
//   - landers stage requests;
//   - the landing team approves, rejects, ticks, retries, promotes and reports phasing;
//   - QA signs off, promotes and reports phasing;
//   - the requester or the landing team cancels;
//   - anyone reads status, queue, history and help.
package stagebot
