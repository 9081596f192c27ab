"""stagebot bench (P2): Errbot answering `!status ID` from a dict, the same replies the floor
bot gives. The dict comes as JSON from the file named by BENCH_STATUS_JSON."""
import json
import os

from errbot import BotPlugin, botcmd

with open(os.environ["BENCH_STATUS_JSON"]) as f:
    STATUS = json.load(f)


class BenchStatus(BotPlugin):
    """Answers !status ID from a dict."""

    @botcmd
    def status(self, msg, args):
        """A request's state (from a dict)."""
        key = args.strip()
        return STATUS.get(key, "no request with ID " + key)
