"""The command line of the fake Stripe API (``python -m tests.fakes.stripe_server --help``).

Serve in the foreground::

    python -m tests.fakes.stripe_server --port 12111 --account acct_demo \
        --webhook-url http://127.0.0.1:5000/webhooks/stripe --webhook-secret whsec_test

From another shell, settle a bank payment made on its checkout page::

    python -m tests.fakes.stripe_server settle --url http://127.0.0.1:12111 cs_test_... \
        [--fail bank_account_unusable]
"""

from __future__ import annotations

import argparse
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

from tests.fakes.stripe_server import LOCAL_OPENER, FakeStripe


def _serve(args: argparse.Namespace) -> None:
    """Run a FakeStripe with the given accounts until Ctrl-C, logging each request."""
    fake = FakeStripe(args.webhook_secret, args.webhook_url)
    fake.log_requests = True
    for account in args.account:
        fake.add_account(account)
    fake.start(args.port)
    print(f"Fake Stripe on {fake.url} (Ctrl-C stops it). Start the app with:\n"
          f"  STRIPE_SECRET_KEY=sk_test_fake STRIPE_API_BASE={fake.url} "
          f"STRIPE_WEBHOOK_SECRET={args.webhook_secret}\n"
          f"Webhooks go to: {args.webhook_url or '(nowhere: pass --webhook-url)'}\n"
          f"Active accounts: {', '.join(args.account) or '(none)'}; the portal's \"Set up "
          f"online payments\" creates more (onboarding: press \"Submit details\")\n"
          f"Settle a bank payment from another shell:\n  python -m tests.fakes.stripe_server "
          f"settle --url {fake.url} cs_test_... [--fail bank_account_unusable]", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


def _settle(args: argparse.Namespace) -> int:
    """Ask a running fake to settle a bank payment; print its JSON answer."""
    form = urllib.parse.urlencode({"session": args.session_id, "failure_code": args.fail or ""})
    request = urllib.request.Request(f"{args.url.rstrip('/')}/_fake/settle", form.encode())
    try:
        with LOCAL_OPENER.open(request, timeout=10) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        with error:
            print(error.read().decode(), file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """Serve (no subcommand) or settle; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.stripe_server",
                                     description="Run the fake Stripe API in the foreground.")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="where events are POSTed, signed")
    parser.add_argument("--webhook-secret", default="whsec_test")
    parser.add_argument("--account", action="append", default=[],
                        help="connected account to create as Active (repeatable)")
    commands = parser.add_subparsers(dest="command")
    settle = commands.add_parser("settle", help="settle a processing ACH payment on a running fake")
    settle.add_argument("session_id")
    settle.add_argument("--url", default="http://127.0.0.1:12111", help="the running fake")
    settle.add_argument("--fail", metavar="CODE", help="fail it with this code, e.g. "
                        "bank_account_unusable (default: it succeeds)")
    args = parser.parse_args(argv)
    if args.command == "settle":
        return _settle(args)
    _serve(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
