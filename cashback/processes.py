"""Who runs a piece of work, written so that another process can tell when it is gone: a job
of the outbox, the portal sync's lock."""

import os
import socket


def this_process():
    """"host:pid" of the running process."""
    return f"{_host()}:{os.getpid()}"


def is_gone(process):
    """True when `process` ("host:pid") ran on this machine and exists no more. False when it
    is alive, or ran elsewhere (then nobody here can prove it dead)."""
    host, _colon, pid = (process or "").rpartition(":")
    if host != _host() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def _host():
    # Bounded, so that it fits where it is stored (a lock's holder, a job's runner).
    return socket.gethostname()[:64]
