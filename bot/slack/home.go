package slack

import (
	"context"
	"time"

	"github.com/slack-go/slack"

	"stagebot"
	"stagebot/chat"
)

// What the App Home shows at most: Slack allows 100 blocks in a view.
const (
	homeOpen   = 40 // requests in flight
	homeOwn    = 10 // the viewer's own, in flight or ended lately
	homeRecent = 50 // ended requests looked through for the viewer's
)

// home publishes user's App Home tab (views.publish, on app_home_opened): the viewer's own
// requests and every request in flight, each in the line `!status` gives it. It is drawn
// afresh each time the tab is opened, in the viewer's own lane, which no channel waits on.
func (a *Adapter) home(ctx context.Context, user string) {
	ov := a.cfg.Overview
	if ov == nil {
		return
	}
	a.later(ctx, homeLane(user), "app home", func() error {
		open, err := ov.Open()
		if err != nil {
			a.log.Warn("app home: reading the queue", "err", err)
			return nil
		}
		ended, err := ov.RecentlyEnded(homeRecent)
		if err != nil {
			a.log.Warn("app home: reading the requests that ended", "err", err)
			return nil
		}
		viewer := a.cfg.Team.Resolve(a.identity(ctx, user))
		view := slack.HomeTabViewRequest{Type: slack.VTHomeTab,
			Blocks: slack.Blocks{BlockSet: a.homeBlocks(viewer, open, ended, time.Now())}}
		return a.call(ctx, func() error {
			_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
			return err
		})
	})
}

// homeBlocks is the App Home for viewer: their requests first, then everything in flight.
func (a *Adapter) homeBlocks(viewer stagebot.Person, open []stagebot.Status, ended []*stagebot.Request, now time.Time) []slack.Block {
	var own []stagebot.Status
	for _, st := range open {
		if st.Request.IsRequester(viewer) {
			own = append(own, st)
		}
	}
	for _, r := range ended {
		if r.IsRequester(viewer) {
			own = append(own, stagebot.Status{Request: r})
		}
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "stagebot", false, false)),
		a.section(a.bold(a.render.HomeYours())),
	}
	blocks = append(blocks, a.statusSections(own, homeOwn, a.render.HomeNoneYours(), now)...)
	blocks = append(blocks, slack.NewDividerBlock(),
		a.section(a.bold(a.render.HomeInFlight(len(open)))))
	blocks = append(blocks, a.statusSections(open, homeOpen, a.render.HomeEmpty(), now)...)
	return append(blocks, a.note(a.render.HomeFooter(now, "/stagebot")))
}

// statusSections are one section per request, at most limit and a line saying how many more;
// none is the line for an empty list.
func (a *Adapter) statusSections(sts []stagebot.Status, limit int, none chat.Message, now time.Time) []slack.Block {
	if len(sts) == 0 {
		return []slack.Block{a.note(none)}
	}
	var out []slack.Block
	for i, st := range sts {
		if i == limit {
			out = append(out, a.note(a.render.HomeMore(len(sts)-limit)))
			break
		}
		out = append(out, a.section(a.render.StatusLine(st, now)))
	}
	return out
}

// bold is a heading: the guarded words, in bold.
func (a *Adapter) bold(m chat.Message) chat.Message {
	return chat.Message{Kind: m.Kind, Parts: append(append([]chat.Part{{Role: chat.Words, Text: "*"}}, m.Parts...), chat.Part{Role: chat.Words, Text: "*"})}
}

func (a *Adapter) section(m chat.Message) slack.Block {
	return slack.NewSectionBlock(mrkdwn(oneBlock(a.text(m))), nil, nil)
}

func (a *Adapter) note(m chat.Message) slack.Block {
	return slack.NewContextBlock("", mrkdwn(oneBlock(a.text(m))))
}

// oneBlock is Slack text cut to what one block's text takes (a line of text escaped for
// Slack may be longer): a view has room for a hundred blocks, not one per piece.
func oneBlock(text string) string {
	if len(text) <= blockText {
		return text
	}
	return pieces(text, blockText-len(chat.Ellipsis))[0] + chat.Ellipsis
}
