"""Gunicorn settings for Teia: ``gunicorn -c infra/gunicorn.conf.py 'teia:create_app()'``.

Every value can be changed from the environment, so the same image fits a laptop, a small VM
and a larger host:

- ``TEIA_BIND``: address to listen on (default ``0.0.0.0:8000``).
- ``WEB_CONCURRENCY``: worker processes (default ``2 * cores + 1``, at most 8).
- ``WEB_THREADS``: threads per worker (default 4).
- ``FORWARDED_ALLOW_IPS``: proxies whose ``X-Forwarded-Proto`` is believed
  (default ``127.0.0.1,::1``; ``*`` when only the reverse proxy can reach Gunicorn).
- ``TEIA_PROXY_HOPS`` is read by the app itself (``teia.config``): how many reverse proxies
  sit in front, so the client address and scheme come from their forwarded headers.
- ``GUNICORN_LOG_LEVEL``: error log level (default ``info``).
- ``GUNICORN_ACCESS_LOG``: where the access log goes (default ``-``, stdout; empty: none).

Each worker freezes what it built at start-up out of the garbage collector's reach
(:func:`post_worker_init`): a page that makes many objects (an application with a hundred
history entries) otherwise triggers full collections that walk the app's tens of thousands of
long-lived objects, which showed as p95 and p99 spikes of 100-400 ms in ``bench/``.
"""

from __future__ import annotations

import gc
import os


def _int_env(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours cpusets (docker --cpuset-cpus)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Inside the container Gunicorn must listen on every interface; nginx is the public edge.
bind = os.environ.get("TEIA_BIND") or "0.0.0.0:8000"
workers = _int_env("WEB_CONCURRENCY", min(2 * _cores() + 1, 8))
worker_class = "gthread"
threads = _int_env("WEB_THREADS", 4)
timeout = 30
graceful_timeout = 25  # below the 30 s Docker/Compose waits before SIGKILL
keepalive = 5
preload_app = False  # each worker builds its own app: no DB connections shared across fork
proc_name = "teia"

# Heartbeat files on tmpfs: an overlay /tmp can stall workers under I/O pressure.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Gunicorn >= 25 opens a control socket under $HOME by default; containers do not need it.
control_socket_disable = True

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"

# Logs go to the container's stdout/stderr; the platform (Docker, journald) keeps them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
access_log_format = (
    '%(h)s xff="%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)


def post_worker_init(_worker: object) -> None:
    """The app is built: its objects live as long as the worker, so the collector skips them."""
    gc.freeze()
