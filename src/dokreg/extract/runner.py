"""Run one extraction under the limits, isolated in a child process when asked.

PDFium and the XML/ZIP parsers are native code fed with files from strangers: a crash, an endless
loop or a memory blow-up must cost one child process, never the worker. The child is forked (it
inherits the loaded code, nothing is re-imported), capped with RLIMIT_AS (what it inherited plus
``Limits.memory_bytes``), and killed at the wall-time limit; it is reused for the next file until
something goes wrong (see ``_Sandbox``). Errors cross back by class name and message so the caller
sees the same DokregError it would have seen in-process.

The runner does not recurse: it returns children, and the pipeline stores and extracts them in
turn. ``extract_tree`` recurses for the ``dokreg extract`` command and for tests.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import resource
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

from dokreg import errors
from dokreg.errors import Broken, DokregError, TimedOut, TooLarge
from dokreg.extract.kinds import EXTRACTORS, choose
from dokreg.extract.kinds.base import Extractor
from dokreg.extract.limits import Limits, limits_from_settings
from dokreg.extract.types import Extraction
from dokreg.threads import FORK_GUARD

HEAD_BYTES = 8192
# After a kill, how long to wait for the child to be reaped before giving up on it.
_REAP_SECONDS = 5.0


def extract_bytes(
    data: bytes, name: str, *, limits: Limits | None = None, isolate: bool = True
) -> Extraction:
    """Extract one file's text, pages, signatures and children; raise a DokregError saying why not."""
    limits = limits or limits_from_settings()
    if not data:
        raise Broken(f"{name}: empty file")
    if len(data) > limits.max_bytes:
        raise TooLarge(f"{name}: {len(data)} bytes, more than the limit of {limits.max_bytes}")
    extractor = choose(data[:HEAD_BYTES], name)
    if isolate:
        return _run_isolated(extractor, data, name, limits)
    return _run(extractor, data, name, limits)


def _run(extractor: Extractor, data: bytes, name: str, limits: Limits) -> Extraction:
    try:
        return extractor.extract(data, name, limits)
    except DokregError:
        raise
    except MemoryError as e:
        raise TooLarge(f"{name}: the {extractor.kind} extractor ran out of memory") from e
    except RecursionError as e:
        raise Broken(f"{name}: nested too deeply for the {extractor.kind} extractor") from e
    except Exception as e:  # a parser bug on hostile input is the file's failure, not the worker's
        raise Broken(f"{name}: the {extractor.kind} extractor failed ({type(e).__name__}: {e})") from e


# --- isolation ----------------------------------------------------------------------------------


def _run_isolated(extractor: Extractor, data: bytes, name: str, limits: Limits) -> Extraction:
    with _SANDBOX_LOCK:
        global _sandbox
        if _sandbox is None or not _sandbox.fits(limits):
            if _sandbox is not None:
                _sandbox.close()
            _sandbox = _Sandbox(limits)
        sandbox = _sandbox
        try:
            outcome = sandbox.run(extractor, data, name, limits)
        except DokregError:
            # A timeout or crash leaves the child in an unknown state: the next file gets a fresh one.
            sandbox.close()
            _sandbox = None
            raise
        if sandbox.worn_out() or (outcome[0] == "error" and outcome[-1] == _OUT_OF_MEMORY):
            sandbox.close()
            _sandbox = None
    return _unwrap(outcome, name)


class _Sandbox:
    """A forked child that extracts file after file, so isolation costs a pipe round trip, not a fork.

    The child is capped with RLIMIT_AS once, killed at each file's wall-time limit, and replaced after
    a timeout, a crash, running out of memory or ``_FILES_PER_CHILD`` files (native parsers may leak).
    """

    def __init__(self, limits: Limits):
        self.memory_bytes = limits.memory_bytes
        self.files = 0
        context = multiprocessing.get_context("fork")
        self.conn, child_end = context.Pipe(duplex=True)
        self.child = context.Process(target=_child_loop, args=(child_end, limits.memory_bytes), daemon=True)
        with FORK_GUARD:  # not while a background thread is inside the database driver (dokreg.threads)
            self.child.start()
        child_end.close()  # so a dead child shows as EOF on our end

    def fits(self, limits: Limits) -> bool:
        return self.child.is_alive() and self.memory_bytes == limits.memory_bytes

    def worn_out(self) -> bool:
        return self.files >= _FILES_PER_CHILD

    def run(self, extractor: Extractor, data: bytes, name: str, limits: Limits) -> tuple:
        self.files += 1
        try:
            self.conn.send((extractor.kind, data, name, limits))
        except (BrokenPipeError, OSError):
            raise Broken(f"{name}: the extraction sandbox was gone; retry") from None
        if not self.conn.poll(limits.seconds):
            raise TimedOut(
                f"{name}: extraction ({extractor.kind}) took longer than {limits.seconds:g} s; stopped"
            )
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.child.join(_REAP_SECONDS)
            raise Broken(
                f"{name}: the {extractor.kind} extractor crashed ({_exit_reason(self.child.exitcode)})"
            ) from None

    def close(self) -> None:
        self.conn.close()
        if self.child.is_alive():
            self.child.kill()
        self.child.join(_REAP_SECONDS)


_SANDBOX_LOCK = threading.Lock()
_sandbox: _Sandbox | None = None
_FILES_PER_CHILD = 500
_OUT_OF_MEMORY = "replace the child"


def sandbox_reset() -> None:
    """Stop the extraction child; the next isolated extraction forks a fresh one (tests that patch code)."""
    global _sandbox
    with _SANDBOX_LOCK:
        if _sandbox is not None:
            _sandbox.close()
            _sandbox = None


def _address_space_bytes() -> int:
    """This process's virtual size (Linux); 0 where /proc does not say."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _child_loop(conn: Connection, memory_bytes: int) -> None:
    # A native crash here is expected on hostile files and reported by the parent with its signal;
    # an inherited faulthandler would only dump the parent's Python stack into the worker's log.
    faulthandler.disable()
    # The parent's handlers (a worker ignoring SIGTERM until its task ends) must not keep this child alive.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The cap is on what extraction may add: a fork inherits the parent's whole address space (a
    # worker that ran the index stage maps the index, about a gigabyte at a million documents, and
    # each of its threads reserves an arena), and a cap below that failed the first lazy import.
    cap = _address_space_bytes() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    extractors = {e.kind: e for e in EXTRACTORS}
    while True:
        try:
            kind, data, name, limits = conn.recv()
        except (EOFError, OSError):
            return
        try:
            outcome: tuple = ("ok", _run(extractors[kind], data, name, limits))
        except DokregError as e:
            # A guard's refusal leaves the child healthy; running out of memory may not.
            spent = _OUT_OF_MEMORY if isinstance(e.__cause__, MemoryError) else ""
            outcome = ("error", type(e).__name__, e.code, e.message, spent)
        except BaseException as e:  # noqa: BLE001 - anything at all must reach the parent as a message
            outcome = ("error", "Broken", Broken.code, f"{name}: {type(e).__name__}: {e}", _OUT_OF_MEMORY)
        del data
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(
                (
                    "error",
                    "TooLarge",
                    TooLarge.code,
                    f"{name}: the result is too large to return",
                    _OUT_OF_MEMORY,
                )
            )


def _unwrap(outcome: tuple, name: str) -> Extraction:
    if outcome[0] == "ok":
        return outcome[1]
    _, class_name, code, message = outcome[:4]
    error_class = getattr(errors, class_name, None)
    if not (isinstance(error_class, type) and issubclass(error_class, DokregError)):
        error_class = DokregError
    raise error_class(message, code=code)


def _exit_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


# --- the whole tree, for the command line and tests -----------------------------------------------


@dataclass(frozen=True)
class ExtractedNode:
    name: str
    extraction: Extraction | None = None
    error_code: str = ""
    error_message: str = ""
    children: tuple[ExtractedNode, ...] = ()


def extract_tree(
    data: bytes, name: str, limits: Limits | None = None, depth: int = 0, *, isolate: bool = True
) -> ExtractedNode:
    """Extract a file and, recursively, its children, within the depth, children and tree limits.

    Errors are recorded on the node (never raised), so one bad attachment does not hide the rest.
    """
    limits = limits or limits_from_settings()
    return _tree(data, name, limits, depth, isolate, budget=[limits.max_tree_files])


def _tree(
    data: bytes, name: str, limits: Limits, depth: int, isolate: bool, budget: list[int]
) -> ExtractedNode:
    budget[0] -= 1
    try:
        extraction = extract_bytes(data, name, limits=limits, isolate=isolate)
    except DokregError as e:
        return ExtractedNode(name=name, error_code=e.code, error_message=e.message)
    children: list[ExtractedNode] = []
    for index, child in enumerate(extraction.children):
        if index >= limits.max_children:
            children.append(_refused(child.name, f"more than {limits.max_children} children; not extracted"))
            break
        if depth + 1 > limits.max_depth:
            children.append(
                _refused(child.name, f"nested deeper than {limits.max_depth} levels; not extracted")
            )
            continue
        if budget[0] <= 0:
            children.append(
                _refused(child.name, f"more than {limits.max_tree_files} files in one tree; not extracted")
            )
            continue
        children.append(_tree(child.data, child.name, limits, depth + 1, isolate, budget))
    return ExtractedNode(name=name, extraction=extraction, children=tuple(children))


def _refused(name: str, why: str) -> ExtractedNode:
    return ExtractedNode(name=name, error_code=TooLarge.code, error_message=f"{name}: {why}")
