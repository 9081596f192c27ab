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
		Size: 1, SHA256: "ab", SHA512: "cd", Signer: "KEY", Source: "https://x/y.click",
		LocalPath: "/state/y.click", Requester: who, RequesterKey: "person:alice", RequesterKeys: []string{"person:alice", "irc:bob!~bob@host"},
		State: stagebot.StateLocked, Approvals: []stagebot.Approval{{By: who, Key: "person:bob", At: at, SHA256: "ab"}},
		QASignoff: &stagebot.Approval{By: who, Key: "person:qa", At: at, SHA256: "ab"},
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
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("the fixture leaves Request.%s zero: set it, and copy it in Clone if it holds references", v.Type().Field(i).Name)
		}
	}
	c := r.Clone()
	if !reflect.DeepEqual(r, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", r, c)
	}
	assertDisjoint(t, "Request", reflect.ValueOf(r).Elem(), reflect.ValueOf(c).Elem())

	c.Architectures[0], c.RequesterKeys[0], c.Approvals[0].Key, c.QASignoff.Key, c.History[0].Note, c.Hold.Reason = "x", "x", "x", "x", "x", "x"
	if !reflect.DeepEqual(r, fullRequest()) {
		t.Fatalf("changing the clone changed the original: %+v", r)
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
