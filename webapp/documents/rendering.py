"""HTML to archival, tagged PDF with WeasyPrint. Nothing outside the document may be read: the URL fetcher allows
`data:` URLs and files inside the app's own static folder, and nothing else (no file:///etc/passwd, no network).
The worker renders in a child process bounded in time and memory (`render_bounded`): only HTML goes in and PDF
bytes come out, so a record too big to lay out stops its own render, never the worker."""
from __future__ import annotations

import multiprocessing
import resource
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from webapp.config import PROJECT_ROOT
from webapp.documents.tagging import install, one_table_per_table

STATIC_ROOT = (PROJECT_ROOT / "webapp" / "static").resolve()
PDF_VARIANT = "pdf/a-3a"  # archival (PDF/A-3) and tagged (level A: structure tree, /Lang, MarkInfo)
install()  # a table over several pages stays one table in the structure tree (see tagging.py)


class RefusedResource(ValueError):
    """A document asked for something it may not read."""


class StaticOnlyFetcher(URLFetcher):
    def __init__(self):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.split("?")[0].removeprefix("file://")).resolve()
            if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
                raise RefusedResource(f"only the app's static files may be read, not {url[:80]}")
        return super().fetch(url, headers)


def record_html(template: str, **context) -> str:
    """A record's HTML from its template in templates/pdf/, autoescaped; straight from the app's Jinja
    environment, since the worker has no request (and no signed-in person) for the page context."""
    return current_app.jinja_env.get_template(template).render(**context)


def version_label(number: int) -> str:
    """The footer of every page: which version this is, so that the pages of a correction can be told apart."""
    return f"Version {number}" if number == 1 else f"Version {number}, correcting version {number - 1}"


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document whose relative links point into the static folder."""
    options = {"pdf_variant": PDF_VARIANT, "custom_metadata": True}
    source = HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    document = source.render(**options)  # laid out first: the tagging needs to know which headers repeat
    with one_table_per_table(document):
        return document.write_pdf(**options)


class RenderFailed(RuntimeError):
    """A render that did not give a PDF; the message is the reason shown on the document's page and so never
    holds text from the record."""


class RenderInterrupted(RuntimeError):
    """The worker is stopping (or its render process was stopped from outside): not the document's fault."""


# Forkserver, not fork: the worker holds database connections (and, under tests or gunicorn, threads), and a
# forked child would share those sockets and any lock a thread held at that instant. Not spawn either: the fork
# server is started once, imports WeasyPrint once (preloaded below), and forks each render from that clean,
# single-threaded process in about 10 ms instead of 1.5 s. The child never sees the app or its database.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])
_POLL_SECONDS = 0.1
_CHILD_GRACE_SECONDS = 5  # the child's own alarm: an orphaned render (its worker killed) outlives it no longer
_INTERRUPTING_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}


def render_bounded(html: str, *, timeout_seconds: float, memory_mb: int, stop: threading.Event | None = None,
                   meanwhile: Callable[[], None] | None = None) -> bytes:
    """`render_pdf` in a child process that is killed past `timeout_seconds` (wall clock) and refused address
    space beyond `memory_mb`; raises RenderFailed with the reason, or RenderInterrupted when `stop` is set.
    `meanwhile` is called as the parent waits (the worker keeps firing due timers through a long render)."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_render_in_child, args=(html, sender, timeout_seconds, memory_mb),
                             name="render", daemon=True)
    try:
        child.start()
        sender.close()  # the parent keeps only its reading end: EOF when the child is gone
        return _await_child(child, receiver, time.monotonic() + timeout_seconds, timeout_seconds, memory_mb, stop,
                            meanwhile)
    finally:
        if child.is_alive():
            child.kill()
        if child.pid is not None:
            child.join()
            child.close()
        receiver.close()
        sender.close()


def _await_child(child, receiver, deadline: float, timeout_seconds: float, memory_mb: int,
                 stop: threading.Event | None, meanwhile: Callable[[], None] | None) -> bytes:
    while True:
        if stop is not None and stop.is_set():
            raise RenderInterrupted("the worker is stopping")
        if meanwhile is not None:
            meanwhile()
        if receiver.poll(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic()))):
            try:
                outcome, payload = receiver.recv()
            except EOFError:  # the child died before answering
                child.join()
                raise _death(child.exitcode, memory_mb) from None
            if outcome == "pdf":
                return payload
            if outcome == "memory":
                raise RenderFailed(f"the render needed more than {memory_mb} MB")
            raise RenderFailed(f"the render stopped with an error ({payload}); the worker's log has the details")
        if time.monotonic() >= deadline:
            raise RenderFailed(f"the render took longer than {timeout_seconds:g} s")


def _death(exitcode: int | None, memory_mb: int) -> Exception:
    """Why a child that sent nothing back ended. Short of memory inside a C library (Pango, cairo, HarfBuzz), a
    render aborts or crashes rather than raising MemoryError; the limit is the likely cause, and is named."""
    if exitcode is not None and exitcode < 0 and -exitcode in _INTERRUPTING_SIGNALS:
        return RenderInterrupted(f"the render process was stopped ({_signal_name(-exitcode)})")
    if exitcode is not None and exitcode < 0:
        return RenderFailed(f"the render needed more than {memory_mb} MB (its process ended with "
                            f"{_signal_name(-exitcode)})")
    return RenderFailed(f"the render process ended without a PDF (exit code {exitcode})")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _render_in_child(html: str, sender, timeout_seconds: float, memory_mb: int) -> None:
    """Runs in the render process: set its limits, render, send the outcome back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole process group: the worker decides
    signal.alarm(int(timeout_seconds) + _CHILD_GRACE_SECONDS)  # dies by itself should its worker vanish
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        outcome = ("pdf", render_pdf(html))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:  # only the type and the frames: the message may quote the record
        print(f"The render failed with {type(error).__name__}:\n{''.join(traceback.format_tb(error.__traceback__))}",
              file=sys.stderr)
        outcome = ("error", type(error).__name__)
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()
