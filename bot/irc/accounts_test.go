package irc

import "testing"

func TestAccountCache(t *testing.T) {
	type step struct {
		op          string // set, forget, rename (from nick with mask to newNick), get
		nick, mask  string
		newNick     string
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
		{"forgotten on quit", []step{
			{op: "set", nick: "sil", mask: "sil!u@h", account: "sil2100"},
			{op: "forget", nick: "Sil"},
			{op: "get", nick: "sil", mask: "sil!u@h"},
		}},
		{"follows a nick change, leaves nothing to the old nick", []step{
			{op: "set", nick: "sil", mask: "sil!u@h", account: "sil2100"},
			{op: "rename", nick: "Sil", mask: "Sil!u@h", newNick: "sil_away"},
			{op: "get", nick: "sil_away", mask: "sil_away!u@h", wantAccount: "sil2100", wantKnown: true},
			{op: "get", nick: "sil", mask: "sil!u@h"},
		}},
		{"a nick change drops what was known of the new nick", []step{
			{op: "set", nick: "bob", mask: "bob!b@h2", account: "bob"},
			{op: "rename", nick: "mallory", mask: "mallory!m@h", newNick: "bob"},
			{op: "get", nick: "bob", mask: "bob!b@h2"},
			{op: "get", nick: "bob", mask: "bob!m@h"},
		}},
		{"a nick change of another hostmask carries nothing", []step{
			{op: "set", nick: "sil", mask: "sil!u@h", account: "sil2100"},
			{op: "rename", nick: "sil", mask: "sil!evil@elsewhere", newNick: "x"},
			{op: "get", nick: "x", mask: "x!evil@elsewhere"},
			{op: "get", nick: "x", mask: "x!u@h"},
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
				case "rename":
					c.rename(s.nick, s.mask, s.newNick)
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
