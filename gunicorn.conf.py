"""gunicorn settings for the portal: `make serve`, or `gunicorn -c gunicorn.conf.py`.

Every value can be changed from the environment, so one file serves a laptop and a host:
  PORTAL_BIND        where to listen (default 127.0.0.1:8000; behind a proxy keep it local)
  WEB_CONCURRENCY    worker processes (default 2 x cores + 1)
  GUNICORN_TIMEOUT   seconds a request may take before its worker is replaced (default 30)
The app itself reads its settings from the environment too (README, Configuration): with more
than one worker set SECRET_KEY (development: instance/secret_key is shared) and
RATELIMIT_STORAGE_URI=redis://... so that every worker counts the same failed logins.
"""

import multiprocessing
import os

wsgi_app = "wsgi:app"
bind = [os.environ.get("PORTAL_BIND", "127.0.0.1:8000")]
# Sync workers: each request holds one worker; the app waits on the database, so a few more
# workers than cores keep the cores busy.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30  # on SIGTERM (a deploy), requests in flight get this long to finish
keepalive = 5  # seconds an idle connection from the proxy stays open
accesslog = "-"  # to stdout, one line per request, for the host's log collection
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Workers import the app themselves (no preload): no database connection is shared across a
# fork, and each worker reads the same SECRET_KEY.
preload_app = False
# X-Forwarded-* are trusted by the app itself (TRUSTED_PROXY_HOPS), not by gunicorn.
forwarded_allow_ips = ""
proc_name = "shopview-portal"
# gunicorn 27's control socket lives at one path per user (~/.gunicorn/gunicorn.ctl): two
# servers on one machine would fight over it, and the portal does not use it.
control_socket_disable = True
