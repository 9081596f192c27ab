package slack

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"stagebot"
	"stagebot/bot"
	"stagebot/commands"
)

// What the App Home shows at most: Slack allows 100 blocks in a view.
const (
	homeOpen   = 40 // requests in flight
	homeOwn    = 10 // the viewer's own, in flight or ended lately
	homeRecent = 50 // ended requests looked through for the viewer's
)

// home publishes user's App Home tab (views.publish, on app_home_opened): the viewer's own
// requests and every request in flight, each with its state, as `!status` words them. It is
// drawn afresh each time the tab is opened, in the viewer's turn, and published in its own
// lane.
func (a *Adapter) home(ctx context.Context, user string) {
	a.work.do(user, func() {
		h := a.h()
		ov, ok := h.(bot.Overview)
		if !ok || ctx.Err() != nil {
			return
		}
		open, err := ov.Open()
		if err != nil {
			a.log.Warn("app home: reading the queue", "err", err)
			return
		}
		ended, err := ov.RecentlyEnded(homeRecent)
		if err != nil {
			a.log.Warn("app home: reading the requests that ended", "err", err)
			return
		}
		viewer := h.Team().Resolve(a.identity(ctx, user))
		view := slack.HomeTabViewRequest{Type: slack.VTHomeTab,
			Blocks: slack.Blocks{BlockSet: homeBlocks(viewer, open, ended, time.Now())}}
		a.later(ctx, homeLane(user), "app home: views.publish", func() error {
			return call(ctx, func() error {
				_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: view})
				return err
			})
		})
	})
}

// homeBlocks is the App Home for viewer: their requests first, then everything in flight.
func homeBlocks(viewer stagebot.Person, open []stagebot.Status, ended []*stagebot.Request, now time.Time) []slack.Block {
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
		mrkdwnSection("*Your requests*"),
	}
	blocks = append(blocks, statusSections(own, homeOwn, "You have no request in flight, and none ended lately.", now)...)
	blocks = append(blocks, slack.NewDividerBlock(),
		mrkdwnSection(fmt.Sprintf("*In flight* · %d request(s)", len(open))))
	blocks = append(blocks, statusSections(open, homeOpen, "The queue is empty.", now)...)
	return append(blocks, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
		escape("As of "+stagebot.FormatTime(now)+" · /stagebot help, or !help in a channel, lists the commands"), false, false)))
}

// statusSections are one section per request, at most limit and a line saying how many more;
// none is the line for an empty list.
func statusSections(sts []stagebot.Status, limit int, none string, now time.Time) []slack.Block {
	if len(sts) == 0 {
		return []slack.Block{slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, none, false, false))}
	}
	var out []slack.Block
	for i, st := range sts {
		if i == limit {
			out = append(out, slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType,
				fmt.Sprintf("… and %d more", len(sts)-limit), false, false)))
			break
		}
		out = append(out, mrkdwnSection(escape(commands.StatusLine(st, now))))
	}
	return out
}

func mrkdwnSection(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
}
