package stagebot_test

import (
	"reflect"
	"testing"
	"time"

	"stagebot"
)

func fullRequest() *stagebot.Request {
	at := time.Date(2026, 11, 26, 1, 2, 3, 4, time.UTC)
	who := stagebot.Identity{Network: "irc", ID: "bob!~bob@host", Account: "bob", Name: "bob"}
	return &stagebot.Request{
		ID: "93254213-8faa-4f6b-b30e-fd0fd7bbc200", Name: "com.example.app", Version: "1:1.0",
		Arch: "multi", Architectures: []string{"armhf", "arm64"}, Framework: "ubuntu-sdk-15.04",
		NeedsFrameworks: []string{"ubuntu-sdk-15.04"}, Filename: "com.example.app_1.0_multi.click",
		Size: 1, SHA256: "ab", SHA512: "cd", Signer: "KEY", SignerFingerprint: "0123abcd", Source: "https://x/y.click",
		LocalPath: "/state/y.click", Requester: who, RequesterKey: "person:alice", RequesterKeys: []string{"person:alice", "irc:bob!~bob@host"},
		State: stagebot.StateLocked, Approvals: []stagebot.Approval{{By: who, Key: "person:bob", Keys: []string{"person:bob", "account:bob"}, At: at, SHA256: "ab"}},
		QASignoff: &stagebot.Approval{By: who, Key: "person:qa", Keys: []string{"person:qa"}, At: at, SHA256: "ab"},
		History:   []stagebot.Transition{{From: stagebot.StatePending, To: stagebot.StateLocked, At: at, Actor: "worker", Note: "n"}},
		Replaces:  "old.click", Gen: 3, PersonsLine: true, SupersededBy: "x", LastError: "e", Attempt: 2, NextTry: at, PublishErr: "p", Reason: "r",
		RemindedAt: at, Created: at, Updated: at, Hold: &stagebot.Hold{By: who, Key: "person:bob", At: at, Reason: "wait"},
		Preupload: &stagebot.Preupload{Name: ".stagebot-pending-9325", Size: 1, SHA256: "ab", MTime: at},
	}
}

// TestCloneSharesNothing fails when a field is added to Request without Clone copying it
// deeply: the fixture must set every field, and every slice and pointer of the copy must
// point elsewhere than the original's.
func TestCloneSharesNothing(t *testing.T) {
	r := fullRequest()
	assertFilled(t, "Request", reflect.ValueOf(r).Elem())
	c := r.Clone()
	if !reflect.DeepEqual(r, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", r, c)
	}
	assertDisjoint(t, "Request", reflect.ValueOf(r).Elem(), reflect.ValueOf(c).Elem())

	c.Architectures[0], c.RequesterKeys[0], c.Approvals[0].Key, c.QASignoff.Key, c.History[0].Note, c.Hold.Reason = "x", "x", "x", "x", "x", "x"
	c.Approvals[0].Keys[0], c.QASignoff.Keys[0] = "x", "x"
	if !reflect.DeepEqual(r, fullRequest()) {
		t.Fatalf("changing the clone changed the original: %+v", r)
	}
}

// assertFilled fails on a zero exported field of v, or of a stagebot struct it holds (an
// Approval inside Approvals too): a field the fixture leaves zero is one Clone is not tested on.
func assertFilled(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f, name := v.Field(i), path+"."+v.Type().Field(i).Name
		if !v.Type().Field(i).IsExported() {
			continue
		}
		if f.IsZero() {
			t.Fatalf("the fixture leaves %s zero: set it, and copy it in Clone if it holds references", name)
		}
		switch {
		case f.Kind() == reflect.Pointer:
			f = f.Elem()
		case f.Kind() == reflect.Slice:
			f = f.Index(0)
		}
		if f.Kind() == reflect.Struct && f.Type().PkgPath() == v.Type().PkgPath() {
			assertFilled(t, name, f)
		}
	}
}

func assertDisjoint(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s: the clone shares the pointer", path)
		}
		assertDisjoint(t, path, a.Elem(), b.Elem())
	case reflect.Slice, reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			t.Errorf("%s: the clone shares the backing array", path)
		}
		if a.Kind() == reflect.Slice {
			for i := range a.Len() {
				assertDisjoint(t, path+"[]", a.Index(i), b.Index(i))
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				assertDisjoint(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
			}
		}
	}
}

// Approvals recorded before Approval.Keys existed still name their person by what they kept
// (the person key and the identity, with its services account): one person is one approval.
func TestApprovalsFromOlderRecords(t *testing.T) {
	leeHost := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "lee!~lee@home.example", Name: "lee", Account: "lee"}
	leeCafe := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "lee_!~lee@cafe.example", Name: "lee_", Account: "lee"}
	ann := stagebot.Identity{Network: stagebot.NetworkSlack, ID: "UANN", Name: "ann"}
	r := &stagebot.Request{SHA256: "ab", Approvals: []stagebot.Approval{
		{By: leeHost, Key: leeHost.Key(), SHA256: "ab"}, // an older record: no Keys
		{By: leeCafe, Key: leeCafe.Key(), SHA256: "ab"}, // the same account from elsewhere
		{By: ann, Key: "member:ann", SHA256: "ab"},
	}}
	if n := len(r.ValidApprovals()); n != 2 {
		t.Errorf("%d approvals count, want 2 (lee once, ann)", n)
	}
	for _, c := range []struct {
		name string
		keys []string
		want bool
	}{
		{"lee's account", []string{"account:lee"}, true},
		{"lee's hostmask", []string{leeHost.Key()}, true},
		{"ann's member key", []string{"member:ann"}, true},
		{"ann's Slack user", []string{ann.Key()}, true},
		{"someone else", []string{"member:bob", "irc:bob!~b@host"}, false},
	} {
		if got := r.ApprovedBy(c.keys...); got != c.want {
			t.Errorf("%s: ApprovedBy = %v, want %v", c.name, got, c.want)
		}
	}
}
