"""nbgrader's Execute preprocessor, made to survive any notebook and say what happened.

nbgrader's own `Execute` gives up on the whole submission when a kernel dies (segfault,
`os._exit`, out of memory) or ignores an interrupt, and it keeps every byte a cell prints.
`SandboxedExecute` subclasses it and changes only that:

- the kernel starts in the sandbox (grader.sandbox) with the per-notebook limits;
- a cell that passes the cell time limit is interrupted (nbgrader's behaviour); one that
  ignores the interrupt, a dead kernel or a spent notebook budget stops the notebook: that
  cell and every later code cell get an error output saying why, so their tests score 0
  (nbgrader gives full points to a test cell without an error);
- output beyond the per-cell and per-notebook caps is dropped, with a note in the cell;
- before each test cell, the trusted checker modules are re-imported (grader/harness.py).

What happened to each notebook is recorded in `SandboxedExecute.events[notebook]` for the
grading report.
"""

import ast
import json
import signal
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import Execute

from grader.sandbox import SandboxKernelManager

KERNEL_START_FAILED = "the kernel could not start"  # checked by grader.autograde
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT}


class GradingContext:
    """What the worker hands to the preprocessor nbgrader creates (one per submission)."""

    def __init__(self, job, limits, settings, source_notebooks=()):
        self.job = job
        self.limits = limits
        self.settings = settings
        self.source_notebooks = [Path(p) for p in source_notebooks]
        self.events = {}  # notebook name -> list of {"kind", "cell", "message"}
        self.peak_memory = {}


def error_output(ename, evalue):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"{ename}: {evalue}"])


def _content_size(content):
    if "text" in content:
        return len(content["text"])
    if "data" in content:
        return sum(len(value) if isinstance(value, str) else len(json.dumps(value))
                   for value in content["data"].values())
    return len(json.dumps(content, default=str))


def names_used(source):
    """Names a test cell reads: plain names and the roots of attribute chains."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def write_reference(folder, source_notebooks, notebook_name, scope="all"):
    """Write the reference definitions a graded kernel may use, one notebook each.

    Later notebooks use correct versions of earlier graded functions (so that a mistake
    costs points once), and checkers may compute expected values from the reference
    solution. The kernel must not read the source notebooks (they hold the hidden tests),
    so it gets a copy of their imports and definitions only: of every notebook
    (scope "all", what test_utils.checks needs), or only of the notebooks before the one
    being graded (scope "earlier": then no kernel can reach the solution it is graded on).
    """
    from course.notebook_code import definition_source

    folder = Path(folder)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    written = []
    for path in sorted(source_notebooks):
        if scope == "earlier" and path.stem >= notebook_name:
            continue
        source = "\n".join(line for line in definition_source(path).split("\n")
                           if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line)
        cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                "source": source}
        notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        target = folder / path.name
        target.write_text(json.dumps(notebook), encoding="utf-8")
        target.chmod(0o644)
        written.append(path.name)
    return written


class SandboxedExecute(Execute):
    """Execute in the sandbox, never raise on what a notebook does, record what happened."""

    context = None  # a GradingContext, set by the worker before nbgrader runs

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)

    # Kernel ------------------------------------------------------------------------------
    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        ctx = self.context
        if ctx is not None and isinstance(km, SandboxKernelManager):
            extra_env = {}
            if ctx.settings.reference_env and ctx.source_notebooks:
                write_reference(ctx.job.reference, ctx.source_notebooks, self._notebook,
                                ctx.settings.reference_scope)
                extra_env[ctx.settings.reference_env] = str(ctx.job.reference)
            km.use_sandbox(ctx.job, extra_env)
        return km

    def preprocess(self, nb, resources=None, km=None):
        ctx = self.context
        self._notebook = resources["nbgrader"]["notebook"] if resources else "notebook"
        self._events = [] if ctx is None else ctx.events.setdefault(self._notebook, [])
        self._stopped = None
        self._deadline = None
        self._output_cell = None
        self._cell_bytes = 0
        self._notebook_bytes = 0
        self._cell_truncated = False
        self._kernel_ready = False  # set by the first cell: the kernel started and answered
        if ctx is not None:
            limits = ctx.limits
            self.timeout = int(max(1, limits.cell_timeout))
            self.iopub_timeout = int(max(1, limits.interrupt_grace))
            self.startup_timeout = int(limits.startup_timeout)
            self.shutdown_kernel = "immediate"
            self.timeout_func = self._cell_timeout
            ctx.job.populate(resources.get("metadata", {}).get("path") or ".")
        try:
            return super().preprocess(nb, resources, km)
        except Exception as error:
            if ctx is not None and not self._kernel_ready:
                # The kernel never answered: a problem of the grading machine, not of the
                # notebook. Re-raised so that the submission is reported and retried later.
                raise RuntimeError(f"{KERNEL_START_FAILED} ({type(error).__name__}: "
                                   f"{error}); kernel log:\n{ctx.job.log_tail()}") from error
            raise
        finally:
            if ctx is not None:
                watch = ctx.job.watch
                if watch is not None:
                    ctx.peak_memory[self._notebook] = watch.peak
                ctx.job.kernel_stopped()

    def _cell_timeout(self, cell):
        limit = self.context.limits.cell_timeout
        if self._deadline is not None:
            limit = min(limit, self._deadline - time.monotonic())
        return max(1, int(round(limit)))

    def _record(self, kind, index, message):
        self._events.append({"kind": kind, "cell": index, "message": message})

    def _stop(self, reason):
        """Stop the notebook: kill the kernel; later cells are marked as not run."""
        self._stopped = reason
        if self.context is not None:
            self.context.job.kernel_stopped()
        try:
            if self.km is not None and self.km.provisioner is not None:
                process = self.km.provisioner.process
                if process is not None and process.poll() is None:
                    process.kill()
        except Exception:  # noqa: BLE001 (already dead or never started: nothing to stop)
            pass

    def _death_reason(self):
        verdict = self.context.job.memory_verdict() if self.context else None
        code = None
        try:
            process = self.km.provisioner.process
            for _ in range(20):
                code = process.poll()
                if code is not None:
                    break
                time.sleep(0.05)
        except Exception:  # noqa: BLE001
            code = None
        if verdict:
            return verdict + "; the kernel was stopped"
        if code is None:
            return "the kernel died"
        if code < 0:
            sig = signal.Signals(-code)
            if sig in CRASH_SIGNALS:
                return f"the kernel crashed ({sig.name}: a fault in native code, e.g. a segmentation fault)"
            if sig == signal.SIGKILL:
                return ("the kernel was killed (SIGKILL: usually out of memory, or a process "
                        "or file size limit)")
            return f"the kernel was killed by {sig.name}"
        if code == 97:
            return "the sandbox could not start the kernel (see the grader's log)"
        return f"the kernel exited with code {code} (os._exit, or exit from native code)"

    # Cells -------------------------------------------------------------------------------
    def preprocess_cell(self, cell, resources, index):
        self._kernel_ready = True
        self._check_assign_resources(resources)
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, self.resources
        if self._deadline is None and self.context is not None:
            self._deadline = time.monotonic() + self.context.limits.notebook_timeout
        if self._stopped:
            cell.outputs = [error_output("NotRun", f"not run: {self._stopped}")]
            return cell, self.resources
        if self._deadline is not None and self._deadline - time.monotonic() < 1:
            limit = self.context.limits.notebook_timeout
            reason = f"the notebook used up its time budget of {limit:.0f} s before this cell"
            self._record("budget", index, reason)
            self._stop(reason)
            cell.outputs = [error_output("NotRun", f"not run: {reason}")]
            return cell, self.resources
        if nbgrader_utils.is_grade(cell) and self.context is not None:
            self._restore_trusted(cell, index)
        started = time.monotonic()
        try:
            cell = self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            reason = self._death_reason()
            self._record("died", index, reason)
            cell.outputs = list(cell.get("outputs", [])) + [error_output("KernelDied", reason)]
            self._stop(f"an earlier cell stopped the kernel: {reason}")
        except CellTimeoutError:
            waited = time.monotonic() - started
            reason = (f"the cell was still running after {waited:.0f} s and ignored the "
                      f"interrupt; the kernel was stopped")
            self._record("hung", index, reason)
            cell.outputs = list(cell.get("outputs", [])) + [error_output("CellTimeoutError", reason)]
            self._stop(f"an earlier cell did not stop: {reason}")
        else:
            if any(out.get("ename") == "CellTimeoutError" for out in cell.outputs):
                self._record("timeout", index,
                             f"the cell did not finish within {self._cell_timeout(cell)} s "
                             f"and was interrupted")
        return cell, self.resources

    def _restore_trusted(self, cell, index):
        """Run grader/harness.py in the kernel, silently, before a test cell."""
        ctx = self.context
        if not ctx.settings.trusted_modules or self.kc is None:
            return
        used = sorted(names_used(cell.source))
        code = (f"__import__('runpy').run_path({ctx.job.harness_path!r})['restore']"
                f"(globals(), {list(ctx.settings.trusted_modules)!r}, {used!r})")
        try:
            reply = self._silent_execute(code, ctx.limits.interrupt_grace + 30)
        except Exception as error:  # noqa: BLE001
            reply = {"content": {"status": "error", "ename": type(error).__name__,
                                 "evalue": str(error)}}
        if reply is None or reply["content"].get("status") != "ok":
            content = (reply or {}).get("content", {})
            self._record("tamper", index,
                         "the checker modules could not be restored before this test cell "
                         f"({content.get('ename', 'no reply')}: {content.get('evalue', '')})")

    def _silent_execute(self, code, timeout):
        from jupyter_core.utils import ensure_async, run_sync

        async def wait():
            msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    msg = await self.kc.shell_channel.get_msg(timeout=1)
                except Exception:  # noqa: BLE001 (queue.Empty: keep waiting)
                    if not await self.kc.is_alive():
                        return None
                    continue
                if msg["parent_header"].get("msg_id") == msg_id:
                    return msg
            return None

        return run_sync(wait)()

    # Output ------------------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        limits = self.context.limits if self.context else None
        if limits is None or msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)
        if cell_index != self._output_cell:
            self._output_cell = cell_index
            self._cell_bytes = 0
            self._cell_truncated = False
        cell_cap = limits.output_cell_kb * 1024
        notebook_cap = limits.output_notebook_kb * 1024
        allowance = min(cell_cap - self._cell_bytes, notebook_cap - self._notebook_bytes)
        content = msg["content"]
        size = _content_size(content)
        if size > allowance:
            if allowance > 0 and "text" in content:
                content["text"] = content["text"][:allowance]
                size = allowance
                super().output(outs, msg, display_id, cell_index)
            if not self._cell_truncated:
                self._cell_truncated = True
                note = (f"[output truncated by the grader: more than {limits.output_cell_kb} kB "
                        f"in this cell or {limits.output_notebook_kb} kB in the notebook]\n")
                outs.append(NotebookNode(output_type="stream", name="stdout", text=note))
                self._record("output", cell_index, note.strip("[]\n"))
            self._cell_bytes += max(size, 0)
            self._notebook_bytes += max(size, 0)
            return None
        self._cell_bytes += size
        self._notebook_bytes += size
        return super().output(outs, msg, display_id, cell_index)
