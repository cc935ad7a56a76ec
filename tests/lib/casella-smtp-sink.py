#!/usr/bin/python3
# casella-smtp-sink.py — SMTP submission sink for Casella's tests.
#
# Two listeners: one that requires STARTTLS before AUTH (587-style) and one
# with implicit TLS (465-style). Both require AUTH PLAIN or LOGIN. Every
# accepted message is written atomically to OUTDIR/NNNNN.eml with its
# envelope in OUTDIR/NNNNN.json. Prints "READY" once both listen.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import itertools
import json
import os
import signal
import ssl
import sys
import threading
import warnings

warnings.filterwarnings("ignore")

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("outdir")
parser.add_argument("cert")
parser.add_argument("key")
parser.add_argument("--starttls-port", type=int, required=True)
parser.add_argument("--smtps-port", type=int, required=True)
parser.add_argument("--relay-port", type=int, default=0,
                    help="plain, no sign-in: what a relaying server (Dovecot's submission) hands on")
parser.add_argument("--user", action="append", default=[], help="user:password")
parser.add_argument("--reject-rcpt", action="append", default=[],
                    help="refuse RCPT TO for this address with 550")
parser.add_argument("--tempfail-rcpt", action="append", default=[],
                    help="refuse RCPT TO for this address with 451 (try again later)")
args = parser.parse_args()

users = dict(u.split(":", 1) for u in args.user)
sequence = itertools.count(1)
lock = threading.Lock()


def authenticate(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword):
        login = auth_data.login.decode("utf-8", "replace")
        if users.get(login) == auth_data.password.decode("utf-8", "replace"):
            return AuthResult(success=True, auth_data=login)
    return AuthResult(success=False, handled=False)


class Sink:
    def __init__(self, listener):
        self.listener = listener

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Every refusal is logged, so tests can count retries.
        refusal = ("550 5.1.1 Mailbox unavailable" if address in args.reject_rcpt else
                   "451 4.7.1 Try again later" if address in args.tempfail_rcpt else None)
        if refusal:
            with lock, open(os.path.join(args.outdir, "refusals.log"), "a") as f:
                f.write("%s %s\n" % (address, refusal[:3]))
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with lock:
            number = next(sequence)
        base = os.path.join(args.outdir, "%05d" % number)
        with open(base + ".json", "w") as f:
            json.dump({"listener": self.listener,
                       "mail_from": envelope.mail_from,
                       "rcpt_tos": envelope.rcpt_tos,
                       "auth_user": session.auth_data,
                       # implicit TLS leaves session.ssl unset: ask the transport
                       "tls": server.transport.get_extra_info("ssl_object") is not None}, f)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK queued as %05d" % number


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(args.cert, args.key)
os.makedirs(args.outdir, exist_ok=True)

controllers = [
    Controller(Sink("starttls"), hostname="127.0.0.1", port=args.starttls_port,
               tls_context=context, require_starttls=True, authenticator=authenticate,
               auth_required=True, auth_require_tls=True),
    # aiosmtpd does not see that an implicit-TLS session is encrypted, so
    # requiring TLS for AUTH here would hide AUTH; the socket is TLS anyway.
    Controller(Sink("smtps"), hostname="127.0.0.1", port=args.smtps_port,
               ssl_context=context, authenticator=authenticate,
               auth_required=True, auth_require_tls=False),
]
if args.relay_port:
    controllers.append(Controller(Sink("relay"), hostname="127.0.0.1", port=args.relay_port))
try:
    for controller in controllers:
        controller.start()
except Exception as e:
    print("FAILED %s" % e, flush=True)
    sys.exit(1)

print("READY", flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
for controller in controllers:
    controller.stop()
