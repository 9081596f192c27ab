package commands

import (
	"context"
	"io"
	"strings"
	"testing"

	"stagebot"
	"stagebot/intake"
)

// recService records what reaches the workflow from a command line.
type recService struct {
	readService
	actor  stagebot.Identity
	reason string
	src    intake.Source
}

func (s *recService) Cancel(a stagebot.Identity, id, reason string) (*stagebot.Outcome, error) {
	s.actor, s.reason = a, reason
	return &stagebot.Outcome{Kind: stagebot.OutcomeCancelled, Request: &stagebot.Request{ID: id}}, nil
}

func (s *recService) Reject(a stagebot.Identity, id, reason string) (*stagebot.Outcome, error) {
	s.actor, s.reason = a, reason
	return &stagebot.Outcome{Kind: stagebot.OutcomeRejected, Request: &stagebot.Request{ID: id}}, nil
}

func (s *recService) Stage(_ context.Context, a stagebot.Identity, src intake.Source) (*stagebot.Request, error) {
	s.actor, s.src = a, src
	return nil, stagebot.Errorf(stagebot.EINVALID, "%s refused as mislabelled", stagebot.Quote(src.Value))
}

// controlFree fails when s holds anything that could end, forge or colour an IRC line.
func controlFree(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\r\n\x00\x01\x02\x03\x0f\x16\x1d\x1e\x1f\x7f") {
		t.Fatalf("%s holds control characters: %q", what, s)
	}
}

// TestHostileLinesAreCleanedWhereTheyEnter: issue 12's forged lines. What a user typed
// reaches the workflow, and comes back in replies, with its control characters made
// visible, whoever typed it and wherever in the line.
func TestHostileLinesAreCleanedWhereTheyEnter(t *testing.T) {
	mallory := stagebot.Identity{Network: stagebot.NetworkSlack, ID: "U0MALLORY", Name: "sil2100\n[1a2b3c4d] x.click approved"}
	attachment := intake.Source{Kind: intake.FromAttachment, Value: "a\x01ACTION\x01.click",
		Open: func(context.Context) (io.ReadCloser, int64, error) { return nil, 0, io.EOF }}
	cases := []struct {
		name      string
		line      string
		wantReply string
		check     func(t *testing.T, s *recService)
	}{
		{name: "unknown command echoed", line: "frob\x01VERSION\x01\x02bold\x03",
			wantReply: "unknown command !frob␁VERSION␁␂bold␃; !help lists the commands"},
		{name: "multi-line cancel reason", line: "cancel 1a2b oops\n[1a2b] <file> approved: by sil; queued for locking\n\x01ACTION is compromised\x01",
			wantReply: "1a2b cancelled",
			check: func(t *testing.T, s *recService) {
				if want := "oops␊[1a2b] <file> approved: by sil; queued for locking␊␁ACTION is compromised␁"; s.reason != want {
					t.Fatalf("reason reached the workflow as %q, want %q", s.reason, want)
				}
			}},
		{name: "reject reason with formatting", line: "reject 1a2b \x02\x03" + "4red",
			wantReply: "1a2b rejected",
			check: func(t *testing.T, s *recService) {
				controlFree(t, "reason", s.reason)
			}},
		{name: "display name", line: "cancel 1a2b",
			check: func(t *testing.T, s *recService) {
				if s.actor.Name != "sil2100␊[1a2b3c4d] x.click approved" || s.actor.ID != "U0MALLORY" {
					t.Fatalf("actor reached the workflow as %+v", s.actor)
				}
			}},
		{name: "stage argument echoed", line: "stage https://h/a\x01b_1_all.click",
			check: func(t *testing.T, s *recService) {
				if s.src.Value != "https://h/a␁b_1_all.click" {
					t.Fatalf("source %q", s.src.Value)
				}
			}},
		{name: "help of a hostile name", line: "help x\x01VERSION\x01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc := &recService{}
			r := NewRegistry("!", svc)
			reply := say(r, &Env{Actor: mallory}, c.line)
			controlFree(t, "reply", reply)
			if c.wantReply != "" && reply != c.wantReply {
				t.Fatalf("reply %q, want %q", reply, c.wantReply)
			}
			if c.check != nil {
				c.check(t, svc)
			}
		})
	}
	t.Run("attachment name", func(t *testing.T) {
		svc := &recService{}
		atts := []intake.Source{attachment}
		reply := say(NewRegistry("!", svc), &Env{Actor: mallory, Attachments: atts}, "stage")
		controlFree(t, "reply", reply)
		if svc.src.Value != "a␁ACTION␁.click" {
			t.Fatalf("attachment reached the workflow as %q", svc.src.Value)
		}
		if atts[0].Value != attachment.Value {
			t.Fatalf("the adapter's slice was changed: %q", atts[0].Value)
		}
	})
}

// TestRepliesRedactURLs: a refusal that quotes a URL with credentials shows it without.
func TestRepliesRedactURLs(t *testing.T) {
	svc := &recService{}
	reply := say(NewRegistry("!", svc), &Env{Actor: stagebot.Identity{Network: "console", ID: "a", Name: "a"}},
		"stage https://bob:hunter2@up.example/x_1_all.click?token=t0ken")
	if strings.Contains(reply, "hunter2") || strings.Contains(reply, "t0ken") || !strings.Contains(reply, "https://up.example/x_1_all.click?token=REDACTED") {
		t.Fatalf("reply %q", reply)
	}
}
