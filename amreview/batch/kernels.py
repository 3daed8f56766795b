"""Fresh Jupyter kernels without the start-up cost: one forked process per review.

A review kernel started the ordinary way (``python -m ipykernel_launcher``) spends ~0.75 s
starting the interpreter and ~0.75 s importing pandas and matplotlib before the notebook's
first cell runs. Here a *template process* (one per batch worker, started lazily) imports all
of that once and then forks one child per kernel; each child becomes an ordinary IPython
kernel (``IPKernelApp``, the same arguments as the kernel spec's command line). Every review
still gets its own, fresh process: nothing a notebook does (globals, module attributes,
monkeypatches, open files, threads) can reach another review, because the template itself
never runs notebook code and a child's changes die with it.

Pieces
------
* :class:`KernelTemplate` — the template process ("zygote"), driven over a Unix
  ``SOCK_SEQPACKET`` socket: a request carries the kernel's arguments, working directory and
  environment plus two file descriptors (an exit-status pipe and the review's log file); the
  reply is the child's pid. The template reaps its children and writes each exit status to
  that child's pipe, so the batch worker can ``poll``/``wait`` a process that is not its own
  child (:class:`ForkedKernel`, the ``Popen``-like object jupyter_client expects).
* :class:`ReviewProvisioner` — a ``LocalProvisioner`` whose ``launch_kernel`` forks from the
  template (``fork`` mode) or runs the kernel spec's command (``spawn`` mode, jupyter_client's
  own launch), with the kernel's stdout/stderr in the review's log file in both modes.
* :func:`review_kernel_manager` — the ``AsyncKernelManager`` subclass handed to papermill
  (``kernel_manager_class``, passed through to nbclient) that uses that provisioner.

Design decisions
----------------
* **Our own template process, not multiprocessing's forkserver.** A forkserver child runs
  multiprocessing's bootstrap before the kernel: it re-runs the parent's ``__main__`` script
  (the ``amreview``/``pytest`` console script and its imports, in every kernel), takes the
  parent's ``sys.argv`` and ``sys.path``, holds the forkserver's "alive" pipe, and is refused
  in daemonic processes (Dask workers). The template here is a plain subprocess
  (``python -c ...``), so a kernel's interpreter state is that of ``python -m
  ipykernel_launcher`` and fork mode also works in a Dask worker.
* **Fork-safety.** The template never creates a ZMQ context or a Python thread: it only
  imports (:data:`PRELOAD`; checked by a test) and forks. The kernel creates its sockets,
  threads and event loop after the fork, as a spawned one would. ``MPLBACKEND`` is the inline
  backend before matplotlib is imported (ipykernel sets it too, but only at kernel start);
  the backend module itself is not preloaded, so it registers its IPython hooks in the kernel.
  numpy's global random state is reseeded in each child (``random`` reseeds itself on fork):
  otherwise every review would draw the same "random" numbers.
* **Same process shape as a spawned kernel.** Each child starts a new session (its process
  group is its pid, as ``start_new_session`` gives a spawned kernel, so jupyter_client's
  interrupt/kill reach the kernel's own subprocesses), chdirs to the notebook's folder, takes
  the environment jupyter_client built, runs ``IPKernelApp.launch_instance`` with the kernel
  command's arguments, then exits as an interpreter would: non-daemon threads are joined,
  ``atexit`` handlers run.
* **No orphans.** A child dies with the template (``PR_SET_PDEATHSIG``, and ipykernel's parent
  poller pointed at the template); the template kills its children and exits when its batch
  worker goes away (end of file on its socket).
* **Fallback.** Fork mode needs Linux; elsewhere, and for a kernel spec that is not this
  interpreter's ipykernel, kernels are spawned. ``AMREVIEW_KERNEL=fork|spawn|auto`` (or the
  ``kernel_mode`` argument of :func:`amreview.batch.pool.run_reviews`) chooses; ``auto`` (the
  default) forks where it can.
* **The template follows the environment.** A kernel gets the environment jupyter_client
  built for it; the template is also restarted when the worker's ``os.environ`` differs from
  the one it was started with (preloaded modules may have read it at import; volatile
  ``PYTEST_*``/``JPY_*`` variables excepted), and after it died.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import select
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

MODES = ("fork", "spawn")
MODE_VARIABLE = "AMREVIEW_KERNEL"  # fork | spawn | auto (default)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Imported once by the template; a module that is missing is skipped (its notebook will say so).
PRELOAD = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "IPython",
    "IPython.display",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "amreview.scoring.config",
    "amreview.data.datapack",
    "amreview.scoring.scorecard",
    "amreview.documents.review",
    "amreview.documents.sections",
    "amreview.documents.plots",
    "amreview.documents.render",
    "amreview.documents.team",
    "amreview.documents.team_plots",
    "amreview.documents.team_render",
    "amreview.batch.prepare",
    "amreview.batch.inputs",
)
# Variables that change while a process runs and that no preloaded module reads: a change of
# these does not restart the template (pytest sets PYTEST_CURRENT_TEST for every test).
VOLATILE_VARIABLES = ("PYTEST_", "JPY_")
REPLY_TIMEOUT = 120.0  # seconds for the template to answer a fork request (its first: the imports)
_MESSAGE_SIZE = 1 << 20
_PR_SET_PDEATHSIG = 1


def fork_supported() -> bool:
    """Whether kernels can be forked from a template here (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(socket, "send_fds")


def resolve_mode(requested: str | None = None) -> str:
    """``"fork"`` or ``"spawn"``: ``requested``, else ``$AMREVIEW_KERNEL``, else ``auto``.

    ``auto`` forks where :func:`fork_supported`; asking for ``fork`` where it is not is an error
    (an :class:`~amreview.errors.ArgumentError` naming ``$AMREVIEW_KERNEL`` when it came from there).
    """
    from amreview.errors import ArgumentError

    mode = (requested or os.environ.get(MODE_VARIABLE) or "auto").strip().lower()
    if mode == "auto":
        return "fork" if fork_supported() else "spawn"
    where = "" if requested else f"{MODE_VARIABLE}: "
    if mode not in MODES:
        raise ArgumentError(f"{where}kernel mode must be one of fork, spawn, auto; got {mode!r}")
    if mode == "fork" and not fork_supported():
        raise ArgumentError(f"{where}kernel mode 'fork' needs Linux; this is {sys.platform} (use spawn or auto)")
    return mode


# --------------------------------------------------------------------------- batch worker side


class ForkedKernel:
    """A forked kernel as jupyter_client's LocalProvisioner sees a ``Popen``.

    The kernel is the template's child, not ours: its exit status arrives on a pipe the
    template writes when it reaps it. ``returncode`` is negative for a signal, as in Popen.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, status_fd: int):
        self.pid = pid
        self.returncode: int | None = None
        self._status_fd: int | None = status_fd

    def poll(self) -> int | None:
        self._read_status(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        while self.returncode is None:  # without a timeout, _read_status returns with the status
            self._read_status(timeout)
            if self.returncode is None and timeout is not None:
                # Popen's own error: jupyter_client waits on this as on a Popen
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _read_status(self, timeout: float | None) -> None:
        fd = self._status_fd
        if self.returncode is not None or fd is None:
            return
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return
        data = os.read(fd, 4)
        # End of file without a status: the template died; its children die with it (PDEATHSIG).
        self.returncode = struct.unpack("!i", data)[0] if len(data) == 4 else -signal.SIGKILL
        self._status_fd = None
        os.close(fd)

    def __del__(self) -> None:
        if self._status_fd is not None:
            os.close(self._status_fd)


class KernelTemplate:
    """The template process of this (worker) process: imports once, forks one kernel per request."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._socket: socket.socket | None = None
        self._environment: dict[str, str] | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def ensure_running(self) -> None:
        """Start the template unless it runs with this process's current environment."""
        with self._lock:
            self._ensure_running()

    def launch(self, arguments: list[str], cwd: str, env: dict[str, str], log_file: str | None) -> ForkedKernel:
        """Fork a kernel: ``IPKernelApp`` with ``arguments`` (``-f CONNECTION_FILE ...``)."""
        with self._lock:
            self._ensure_running()
            status_r, status_w = os.pipe()
            fds = [status_w]
            if log_file is not None:
                from amreview.files import file_mode

                fds.append(os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_mode()))
            request = {"arguments": list(arguments), "cwd": str(cwd), "env": dict(env)}
            # The RuntimeErrors below are no caller's mistake but a kernel that did not start: the
            # batch retries the start, then fails that one review with the error (outside the family).
            try:
                assert self._socket is not None
                socket.send_fds(self._socket, [json.dumps(request).encode()], fds)
                reply = self._socket.recv(_MESSAGE_SIZE)
            except OSError as exc:  # a timeout included
                os.close(status_r)
                self._stop()
                raise RuntimeError(f"the kernel template process did not answer: {exc}") from exc
            finally:
                for fd in fds:
                    os.close(fd)
            if not reply:
                os.close(status_r)
                self._stop()
                raise RuntimeError("the kernel template process exited before forking a kernel")
            answer = json.loads(reply)
            if "error" in answer:
                os.close(status_r)
                raise RuntimeError(f"the kernel template could not fork a kernel: {answer['error']}")
            return ForkedKernel(answer["pid"], status_r)

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _ensure_running(self) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(VOLATILE_VARIABLES)}
        if self._process is not None and self._process.poll() is None and self._environment == environment:
            return
        self._stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        template_env = dict(environment)
        template_env.setdefault("MPLBACKEND", INLINE_BACKEND)  # before matplotlib is imported
        code = f"from amreview.batch.kernels import _template_main; _template_main({theirs.fileno()})"
        # Not ``-P`` (IPython would then leave the notebook's folder off the kernel's sys.path);
        # started in "/" so that no folder of the worker's shadows a module, and "" is removed.
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=template_env,
                cwd=os.sep,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.settimeout(REPLY_TIMEOUT)
        self._socket, self._environment = ours, environment

    def _stop(self) -> None:
        if self._socket is not None:
            self._socket.close()  # end of file: the template kills its kernels and exits
            self._socket = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


_TEMPLATE: KernelTemplate | None = None


def template() -> KernelTemplate:
    """This process's kernel template (created on first use, closed at exit)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = KernelTemplate()
        atexit.register(_TEMPLATE.close)
    return _TEMPLATE


def ipykernel_arguments(cmd: list[str]) -> list[str] | None:
    """The IPKernelApp arguments of a kernel command that runs this interpreter's
    ``-m ipykernel_launcher`` (what forking can replace), else ``None``."""
    if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:
        same = False
    return list(cmd[3:]) if same else None


def kill_process_group(process: Any) -> None:
    """SIGKILL a kernel and its process group unless it has been reaped; safe from any thread."""
    if process is None or getattr(process, "returncode", None) is not None:
        return
    _kill_group(process.pid)


def _kill_group(pid: int) -> None:
    """SIGKILL the process group ``pid`` leads (a kernel starts a new session), or the process
    alone when it leads none; nothing when it is gone."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------- jupyter_client


def _provisioner_class() -> type:
    from jupyter_client.launcher import launch_kernel
    from jupyter_client.provisioning import LocalProvisioner

    class ReviewProvisioner(LocalProvisioner):
        """LocalProvisioner that forks kernels from the template (fork mode) or spawns them,
        with the kernel's stdout/stderr in the review's log file."""

        launched_by: str | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            manager = self.parent
            mode = getattr(manager, "launch_mode", "spawn")
            log_file = getattr(manager, "log_file", None)
            arguments = ipykernel_arguments(cmd) if mode == "fork" else None
            cwd = str(kwargs.get("cwd") or os.getcwd())
            if arguments is not None:
                env = kwargs.get("env")
                forked = template().launch(arguments, cwd, dict(os.environ if env is None else env), log_file)
                # jupyter_client types its process a Popen; a ForkedKernel is one as far as it looks
                # (pid, poll, wait, send_signal, terminate, kill: the class's docstring)
                self.process = cast(subprocess.Popen, forked)
                self.launched_by = "fork"
            else:
                launch = LocalProvisioner._scrub_kwargs(kwargs)
                if log_file is not None:
                    with open(log_file, "ab") as log:
                        self.process = launch_kernel(cmd, **{**launch, "stdout": log, "stderr": log})
                else:
                    self.process = launch_kernel(cmd, **launch)
                self.launched_by = "spawn"
            self.pid = self.pgid = self.process.pid  # both start a new session
            self.cwd = cwd
            on_launch = getattr(manager, "on_launch", None)
            if on_launch is not None:
                on_launch(self.process)
            return self.connection_info

        async def send_signal(self, signum: int) -> None:
            if self.process is not None and self.process.poll() is not None:
                return  # reaped: its pid (and group id) may belong to another process by now
            await super().send_signal(signum)

    return ReviewProvisioner


def review_kernel_manager(
    mode: str, log_file: str | Path | None = None, on_launch: Callable[[Any], None] | None = None
) -> type:
    """An ``AsyncKernelManager`` class for papermill's ``kernel_manager_class``.

    Its kernels are forked (``mode="fork"``) or spawned (``"spawn"``); their stdout/stderr go
    to ``log_file`` (appended) when given; ``on_launch(process)`` is called with each kernel
    process started (e.g. to kill it at a deadline from another thread).
    """
    from jupyter_client.manager import AsyncKernelManager

    if mode not in MODES:
        from amreview.errors import ArgumentError

        raise ArgumentError(f"kernel mode must be one of {MODES}, got {mode!r}")
    provisioner_class = _provisioner_class()
    settings = {
        "launch_mode": mode,
        "log_file": None if log_file is None else str(log_file),
        "on_launch": None if on_launch is None else staticmethod(on_launch),
    }

    class ReviewKernelManager(AsyncKernelManager):
        launch_mode = settings["launch_mode"]
        log_file = settings["log_file"]
        on_launch = settings["on_launch"]

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:  # else a restart: keep it
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = provisioner_class(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

    return ReviewKernelManager


# --------------------------------------------------------------------------- the template process


def _template_main(fd: int) -> None:
    """The template process: import :data:`PRELOAD`, then fork a kernel per request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the batch, which ends us
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython adds "" (the kernel's folder) back
    for name in PRELOAD:
        with contextlib.suppress(Exception):  # a kernel that needs it will raise the error itself
            importlib.import_module(name)
    try:
        from amreview.data.schemas import build_schemas

        build_schemas()  # library state only (pandera's schema objects); no person's data
    except Exception:  # noqa: BLE001 - a kernel that validates will raise the error itself
        pass
    channel = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector through wake_w
    children: dict[int, int] = {}  # pid -> its status pipe
    with selectors.DefaultSelector() as selector:
        selector.register(channel, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj == wake_r:
                    _drain(wake_r)
                    _reap(children)
                    continue
                message, fds, _, _ = socket.recv_fds(channel, _MESSAGE_SIZE, 2)
                if not message:  # the batch worker is gone
                    _kill_all(children)
                    os._exit(0)
                status_w, log_fd = fds[0], (fds[1] if len(fds) > 1 else None)
                sys.stdout.flush()
                sys.stderr.flush()
                try:
                    pid = os.fork()
                except OSError as exc:
                    channel.send(json.dumps({"error": str(exc)}).encode())
                    os.close(status_w)
                    if log_fd is not None:
                        os.close(log_fd)
                    continue
                if pid == 0:
                    code = 1
                    try:
                        selector.close()
                        code = _kernel_child(
                            json.loads(message),
                            log_fd,
                            [channel.detach(), wake_r, wake_w, status_w, *children.values()],
                        )
                    except BaseException:  # noqa: BLE001 - a forked child: report, then _exit below, never unwind
                        traceback.print_exc()
                    finally:
                        os._exit(code)
                children[pid] = status_w
                if log_fd is not None:
                    os.close(log_fd)
                channel.send(json.dumps({"pid": pid}).encode())


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def _reap(children: dict[int, int]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        status_w = children.pop(pid, None)
        if status_w is not None:
            with contextlib.suppress(OSError):  # the worker closed its end
                os.write(status_w, struct.pack("!i", os.waitstatus_to_exitcode(status)))
            os.close(status_w)


def _kill_all(children: dict[int, int]) -> None:
    for pid in children:
        _kill_group(pid)


def _kernel_child(request: dict, log_fd: int | None, inherited: list[int]) -> int:
    """In the forked child: become the kernel process a spawned kernel would have been."""
    template_pid = os.getppid()
    os.setsid()
    die_with_parent(template_pid)
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if log_fd is not None:
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.close(log_fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(template_pid)  # ipykernel exits if the template goes
    # ipykernel's parent poller: its default was read from the template's environment at import.
    arguments = [*request["arguments"], f"--IPKernelApp.parent_handle={template_pid}"]
    spec = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [spec.origin if spec and spec.origin else "ipykernel_launcher", *arguments]
    _reseed()

    from ipykernel.kernelapp import IPKernelApp

    code = 0
    try:
        IPKernelApp.launch_instance(argv=arguments)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    # As the interpreter's own exit would: wait for non-daemon threads, then atexit handlers.
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # closed or replaced by the kernel
            stream.flush()
    return code


def die_with_parent(parent_pid: int) -> None:
    """Have Linux SIGKILL this process when its parent (``parent_pid``) dies
    (``PR_SET_PDEATHSIG``), and exit now if it has died already; nothing where ``prctl`` is
    missing. Strictly, the signal comes when the parent *thread* that started this process
    ends: start such processes from a thread that outlives them (the batch's own)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # it died before prctl
        os._exit(1)


def _reseed() -> None:
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # from the OS's entropy, as at a fresh import


__all__ = [
    "ForkedKernel",
    "KernelTemplate",
    "die_with_parent",
    "MODES",
    "PRELOAD",
    "fork_supported",
    "ipykernel_arguments",
    "kill_process_group",
    "resolve_mode",
    "review_kernel_manager",
    "template",
]
