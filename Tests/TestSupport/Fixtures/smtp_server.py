"""A real SMTP server for the tests (aiosmtpd): STARTTLS required, AUTH PLAIN/LOGIN required.

Usage: smtp_server.py PORT MAILDIR CERT KEY USER PASSWORD
Each message is written to MAILDIR as N.eml (the raw message) and N.json (envelope and session facts).
Creates MAILDIR/ready once listening; stops on SIGTERM.
"""
import json
import os
import signal
import ssl
import sys

import logging
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, maildir, cert, key, user, password = sys.argv[1:7]
logging.basicConfig(filename=os.path.join(maildir, "server.log"), level=logging.DEBUG)


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(maildir, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                       "authenticated": bool(session.authenticated), "tls": session.ssl is not None}, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() \
        and auth_data.password == password.encode()
    # handled=False: aiosmtpd itself answers 235 or 535.
    return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
# server_hostname: without it aiosmtpd calls socket.getfqdn() (a reverse DNS lookup) on its event loop for every
# connection, which stalls the server for the resolver's timeout on a machine without a reachable DNS server.
controller = Controller(Handler(), hostname="127.0.0.1", port=int(port), tls_context=context,
                        server_hostname="localhost", require_starttls=True, authenticator=authenticator,
                        auth_required=True, ready_timeout=30)
controller.start()
open(os.path.join(maildir, "ready"), "w").close()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
