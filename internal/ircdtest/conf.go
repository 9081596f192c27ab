package ircdtest

import (
	"fmt"
	"strings"
)

// Names the harness gives the servers.
const (
	ServerName   = "irc.test"
	ServicesName = "services.test"
	linkPassword = "stagebot-test-link"
	// OperName and OperPassword make a client an IRC operator (OPER), who may KILL: a
	// test plays a server that throws the bot out.
	OperName     = "tests"
	OperPassword = "stagebot-test-oper"
)

// inspircdConf is an InspIRCd 3 configuration for tests: clients on 127.0.0.1:port with
// no throttling (the server would otherwise pace lines and slow every test down), DNS
// pointed at loopback so nothing leaves the machine, and the IRCv3 modules the bot uses.
func inspircdConf(dir string, port, linkPort, tlsPort int, cert Cert, o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<server name="%s" description="stagebot tests" network="TestNet" id="00A">
<admin name="tests" nick="tests" email="tests@example.invalid">
<bind address="127.0.0.1" port="%d" type="clients">
<power diepass="die-%d" restartpass="restart-%d">
<connect allow="*" timeout="60" threshold="100000" commandrate="1000000" fakelag="off"
         pingfreq="120" hardsendq="4194304" softsendq="1048576" recvq="1048576"
         localmax="1000" globalmax="1000" resolvehostnames="no" useident="no">
<dns server="127.0.0.1" timeout="1">
<files motd="%s/motd">
<pid file="%s/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="%s/inspircd.log">
<options prefixquit="Quit: ">
<module name="cap">
<module name="ircv3">
<module name="ircv3_capnotify">
<module name="ircv3_ctctags">
<ctctags allowclientonlytags="yes">
<module name="ircv3_msgid">
<module name="ircv3_echomessage">
<module name="ircv3_servertime">
<module name="ircv3_batch">
<module name="ircv3_labeledresponse">
<module name="ircv3_accounttag">
<module name="botmode">
<module name="services_account">
<module name="chanhistory">
<chanhistory bots="yes" maxlines="200" prefixmsg="no">
<module name="permchannels">
<class name="tests" commands="KILL WALLOPS" usermodes="*" chanmodes="*" privs="users/auspex">
<type name="Tester" classes="tests">
<oper name="%s" password="%s" host="*@*" type="Tester">
`, ServerName, port, port, port, dir, dir, dir, OperName, OperPassword)
	for _, ch := range o.HistoryChannels {
		// A permanent channel with +H exists from the start, so a client joining late
		// (after a restart) still gets every line said there since.
		fmt.Fprintf(&b, "<permchannels channel=\"%s\" modes=\"ntPH 200:1d\">\n", ch)
	}
	if o.TLS {
		// sslinfo passes a client certificate's fingerprint on (to services for SASL
		// EXTERNAL, in WHOIS as 276); hash="sha256" makes it the SHA-256 of the DER.
		fmt.Fprintf(&b, `<module name="ssl_gnutls">
<module name="sslinfo">
<sslprofile name="tests" provider="gnutls" certfile="%s" keyfile="%s" hash="sha256"
            requestclientcert="yes" dhfile="">
<bind address="127.0.0.1" port="%d" type="clients" sslprofile="tests">
`, cert.CertFile, cert.KeyFile, tlsPort)
	}
	if o.Services {
		fmt.Fprintf(&b, `<module name="spanningtree">
<bind address="127.0.0.1" port="%d" type="servers">
<link name="%s" ipaddr="127.0.0.1" port="%d" allowmask="127.0.0.0/8"
      sendpass="%s" recvpass="%s">
<uline server="%s" silent="yes">
<module name="sasl">
<sasl target="%s" requiressl="no">
`, linkPort, ServicesName, linkPort, linkPassword, linkPassword, ServicesName, ServicesName)
	}
	return b.String()
}

// athemeConf links Atheme to the InspIRCd above: NickServ for accounts (registration
// without e-mail confirmation, CERT for client certificate fingerprints) and SaslServ for
// SASL PLAIN and EXTERNAL, no rate limits.
func athemeConf(linkPort int) string {
	return fmt.Sprintf(`loadmodule "modules/protocol/inspircd";
loadmodule "modules/backend/opensex";
loadmodule "modules/crypto/pbkdf2v2";
loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/nickserv/cert";
loadmodule "modules/saslserv/main";
loadmodule "modules/saslserv/plain";
loadmodule "modules/saslserv/external";
serverinfo {
	name = "%s";
	desc = "stagebot test services";
	numeric = "9SV";
	recontime = 1;
	netname = "TestNet";
	hidehostsuffix = "users.test";
	adminname = "tests";
	adminemail = "tests@example.invalid";
	registeremail = "tests@example.invalid";
	mta = "/bin/true";
	loglevel = { error; info; admin; network; };
	maxlogins = 50;
	maxusers = 50;
	mdlimit = 30;
	emaillimit = 10;
	emailtime = 300;
	auth = none;
	casemapping = rfc1459;
};
uplink "%s" {
	host = "127.0.0.1";
	send_password = "%s";
	receive_password = "%s";
	port = %d;
};
nickserv {
	nick = "NickServ";
	user = "NickServ";
	host = "%s";
	real = "Nickname Services";
	maxnicks = 5;
	expire = 30;
};
saslserv {
	nick = "SaslServ";
	user = "SaslServ";
	host = "%s";
	real = "SASL";
};
general {
	flood_msgs = 100000;
	flood_time = 10;
	ratelimit_uses = 100000;
	ratelimit_period = 60;
	kline_time = 7;
	commit_interval = 5;
	uplink_sendq_limit = 1048576;
	language = "en";
	immune_level = immune;
};
`, ServicesName, ServerName, linkPassword, linkPassword, linkPort, ServicesName, ServicesName)
}
