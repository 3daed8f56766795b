"""PDFs printed by headless Chromium, kept open: one browser per process, reused for every document.

:func:`amreview.documents.pdf.html_to_pdf` prints with Chromium when one is installed (see
:func:`chromium_path`); WeasyPrint is the fallback where none is.

Design decisions
----------------
* **Why Chromium.** WeasyPrint lays a review's 20 pages out in ~10 s of CPU (line breaking and
  CSS matching over the big tables); Chromium prints the same HTML in ~0.7 s, and it is the
  engine the documents are read in. Chromium 156 supports the CSS ``@page`` margin boxes the
  documents use (running header, "Page X of Y", the DRAFT mark), so both engines print the
  same page furniture.
* **Started once per process, lazily.** Launching costs ~0.8 s; a batch worker starts one
  browser at its first PDF and reuses it for every later one (a fresh page, in a fresh
  browser context, per document: nothing of one document — its storage, its cache — reaches
  the next). It is closed when the process exits (``atexit``); a worker killed outright takes
  it along: Playwright's driver and the browser exit when their pipe to this process closes.
* **One thread owns the browser.** Playwright's synchronous API is bound to the thread that
  started it, and a Dask worker runs tasks on several threads: every print is handed to the
  printer's own thread and waited for.
* **Offline by construction.** Every request the page makes is routed to us and aborted unless
  its URL is a ``data:`` URI; an aborted URL fails the document (a
  :class:`~amreview.errors.DocumentError`), as WeasyPrint's refusing fetcher does.
* **Which Chromium.** ``$AMREVIEW_CHROMIUM`` when set, else the first of :data:`CANDIDATES` on
  the ``PATH``. Playwright's own downloaded browsers are never used (``playwright install``
  would download one; an offline machine cannot).
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from amreview.errors import DocumentError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_VARIABLE = "AMREVIEW_CHROMIUM"
# A browser for printing only: no sandbox (it runs as the batch's user, on our own documents,
# with every request aborted), no GPU, nothing fetched in the background.
LAUNCH_ARGUMENTS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
ALLOWED_SCHEMES = frozenset({"data"})
# The page margins where the document's ``@page`` rule sets none (its own always win): WeasyPrint's
# default, so that a fragment without print CSS still has room for its page furniture (Chromium's
# own default leaves none at the foot: the status mark and page number of @bottom-* vanish).
DEFAULT_MARGINS = dict.fromkeys(("top", "right", "bottom", "left"), "75px")
PRINT_TIMEOUT = 120.0  # seconds for one document (a 20-page review takes about one)


def chromium_path() -> Path | None:
    """The Chromium to print with: ``$AMREVIEW_CHROMIUM`` (which must exist) or the first of
    :data:`CANDIDATES` found on the ``PATH``; ``None`` when there is none or Python playwright is
    not installed."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return None
    named = os.environ.get(CHROMIUM_VARIABLE)
    if named:
        return Path(named) if Path(named).is_file() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def print_pdf(html: str, executable: Path | None = None) -> bytes:
    """``html`` (a self-contained document) printed to PDF bytes by this process's browser
    (``executable``, default :func:`chromium_path`; started at the first call). Raises
    :class:`~amreview.errors.DocumentError` when the document refers to anything that is not a
    ``data:`` URI, or when there is no browser or it fails."""
    executable = executable or chromium_path()
    if executable is None:
        raise DocumentError(
            f"no Chromium to print PDFs with: install it (Debian: apt-get install chromium) with Python "
            f"playwright, or name it in ${CHROMIUM_VARIABLE}"
        )
    return _printer(executable).submit(html)


class _Printer:
    """A thread that owns one headless Chromium and prints the documents handed to it."""

    def __init__(self, executable: Path):
        self.executable = executable
        self.pid = os.getpid()
        self.requests: queue.Queue[tuple[str, Future] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="amreview-chromium", daemon=True)
        self.thread.start()

    def submit(self, html: str) -> bytes:
        done: Future = Future()
        self.requests.put((html, done))
        return done.result(timeout=PRINT_TIMEOUT)

    def close(self) -> None:
        if self.thread.is_alive():
            self.requests.put(None)
            self.thread.join(timeout=10)

    def _serve(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(self.executable), args=list(LAUNCH_ARGUMENTS), handle_sigint=False
                )
                self._print_each(browser)
                browser.close()
        except BaseException as exc:  # noqa: BLE001 - the browser could not start: every waiting print fails
            self._fail_waiting(exc)

    def _print_each(self, browser: Any) -> None:
        while (request := self.requests.get()) is not None:
            html, done = request
            try:
                done.set_result(_print_one(browser, html))
            except Exception as exc:  # noqa: BLE001 - one document's failure, reported to its caller
                done.set_exception(exc)

    def _fail_waiting(self, exc: BaseException) -> None:
        error = DocumentError(f"Chromium ({self.executable}) could not print: {type(exc).__name__}: {exc}")
        while True:
            try:
                request = self.requests.get(timeout=0.1)
            except queue.Empty:
                return
            if request is not None:
                request[1].set_exception(error)


def _print_one(browser: Any, html: str) -> bytes:
    """One document in a fresh context: every request that is not ``data:`` aborted and named."""
    refused: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.split(":", 1)[0].lower() in ALLOWED_SCHEMES:
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    context = browser.new_context(java_script_enabled=False, offline=True)
    try:
        page = context.new_page()
        page.route("**/*", route)
        page.set_content(html, wait_until="load")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True, tagged=True, margin=DEFAULT_MARGINS)
    finally:
        context.close()
    if refused:
        raise DocumentError(
            "the document refers to resources outside itself, which a PDF rendered offline cannot "
            f"include: {', '.join(sorted(set(refused))[:5])}"
        )
    return pdf


_lock = threading.Lock()
_printers: dict[Path, _Printer] = {}


def _printer(executable: Path) -> _Printer:
    """This process's printer for ``executable``, started on first use (again after a fork, or
    when its thread ended)."""
    with _lock:
        current = _printers.get(executable)
        if current is None or current.pid != os.getpid() or not current.thread.is_alive():
            current = _printers[executable] = _Printer(executable)
        return current


@atexit.register
def close_browsers() -> None:
    """Close every browser this process started (also run at exit)."""
    with _lock:
        printers = [p for p in _printers.values() if p.pid == os.getpid()]
        _printers.clear()
    for printer in printers:
        printer.close()
