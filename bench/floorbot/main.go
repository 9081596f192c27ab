// Command floorbot is the bench's floor for P2: a framework-free IRC bot that answers
// `!status ID` from a dict. Its round trip is the cost of the server and the measuring
// client alone.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	server := flag.String("server", "127.0.0.1:6667", "IRC server host:port")
	nick := flag.String("nick", "floor", "nick")
	channel := flag.String("channel", "#bench", "channel")
	dict := flag.String("dict", "", "JSON object: ID -> reply")
	flag.Parse()
	status := map[string]string{}
	if b, err := os.ReadFile(*dict); err == nil {
		json.Unmarshal(b, &status)
	}
	c, err := net.Dial("tcp", *server)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	w := bufio.NewWriter(c)
	send := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	send("NICK " + *nick)
	send("USER " + *nick + " 0 * :floor bot")
	r := bufio.NewScanner(c)
	for r.Scan() {
		line := r.Text()
		prefix := ""
		if strings.HasPrefix(line, ":") {
			prefix, line, _ = strings.Cut(line[1:], " ")
		}
		cmd, rest, _ := strings.Cut(line, " ")
		switch cmd {
		case "PING":
			send("PONG " + rest)
		case "001":
			send("JOIN " + *channel)
		case "PRIVMSG":
			target, text, _ := strings.Cut(rest, " :")
			if id, ok := strings.CutPrefix(text, "!status "); ok {
				id = strings.TrimSpace(id)
				reply, found := status[id]
				if !found {
					reply = "no request with ID " + id
				}
				to := target
				if !strings.HasPrefix(to, "#") {
					to, _, _ = strings.Cut(prefix, "!")
				}
				send("PRIVMSG " + to + " :" + reply)
			}
		}
	}
}
