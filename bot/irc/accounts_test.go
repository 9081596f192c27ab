package irc

import "testing"

func TestAccountCache(t *testing.T) {
	type step struct {
		op          string // set, forget, get
		nick, mask  string
		account     string
		wantAccount string
		wantKnown   bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"learned and found", []step{
			{op: "set", nick: "sil", mask: "sil!u@h", account: "sil2100"},
			{op: "get", nick: "SIL", mask: "SIL!u@h", wantAccount: "sil2100", wantKnown: true},
		}},
		{"other hostmask gets nothing", []step{
			{op: "set", nick: "sil", mask: "sil!u@h", account: "sil2100"},
			{op: "get", nick: "sil", mask: "sil!evil@elsewhere"},
		}},
		{"forgotten on quit or nick change", []step{
			{op: "set", nick: "sil", mask: "sil!u@h", account: "sil2100"},
			{op: "forget", nick: "Sil"},
			{op: "get", nick: "sil", mask: "sil!u@h"},
		}},
		{"known not logged in", []step{
			{op: "set", nick: "bob", mask: "bob!u@h", account: ""},
			{op: "get", nick: "bob", mask: "bob!u@h", wantAccount: "", wantKnown: true},
		}},
		{"rfc1459 folding", []step{
			{op: "set", nick: "a[b]", mask: "a[b]!u@h", account: "acct"},
			{op: "get", nick: "A{B}", mask: "a[b]!u@h", wantAccount: "acct", wantKnown: true},
		}},
		{"nothing without a mask", []step{
			{op: "set", nick: "x", mask: "", account: "acct"},
			{op: "get", nick: "x", mask: ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newAccountCache(mapRFC1459.fold)
			for i, s := range tc.steps {
				switch s.op {
				case "set":
					c.set(s.nick, s.mask, s.account)
				case "forget":
					c.forget(s.nick)
				case "get":
					acct, ok := c.get(s.nick, s.mask)
					if acct != s.wantAccount || ok != s.wantKnown {
						t.Fatalf("step %d: get(%q, %q) = %q, %v; want %q, %v", i, s.nick, s.mask, acct, ok, s.wantAccount, s.wantKnown)
					}
				}
			}
		})
	}
}
