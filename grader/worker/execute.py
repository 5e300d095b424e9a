"""nbgrader's Execute preprocessor: the student's cells in the sandbox, every test cell by the judge.

nbgrader's own `Execute` runs test cells in the student's kernel and scores them by their
outputs, so the student's process decides its own grade. `SandboxedExecute` subclasses it
and changes that:

- the kernel starts in the sandbox (grader.sandbox) with the per-notebook limits;
- a test cell is never run in the kernel: the judge (grader.judge) runs it outside and asks
  the kernel only for values; the cell's outputs are then exactly the judge's (its printed
  lines, and an error output when it failed), so nbgrader's scoring of outputs gives the
  judge's verdict whatever the student's code printed, displayed or wrote to stderr;
- a cell that passes the cell time limit is interrupted; one that ignores the interrupt, a
  dead kernel or a spent notebook budget stops the notebook: every later code cell gets an
  error output saying why (their tests score 0);
- output beyond the per-cell and per-notebook caps is dropped, with a note.

What happened to each notebook is recorded in the context's `events[notebook]`.
"""

import signal
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Any

from grader import notebooks as nb
from grader import protocol
from grader.kernel import agent
from grader.worker.probe import kernel_request, no_answer as _no_answer, reply_from_outcome, run_probe
from grader.worker.output_caps import CappedOutput
from grader.sandbox import SandboxKernelManager

KERNEL_START_FAILED = "the kernel could not start"
CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT}
MESSAGE_LIMIT = 6000  # characters of a verdict shown in a cell


class GradingContext:
    """What the worker hands to the preprocessor nbgrader creates (one per submission)."""

    def __init__(self, job, course, judge, templates, seed, modules=()):
        self.job = job
        self.limits = course.limits
        self.settings = course.sandbox
        self.judge_settings = course.judge
        self.source_dir = course.source_dir
        self.judge = judge
        self.templates = templates  # {notebook name: released NotebookNode}
        self.seed = seed
        self.modules = list(modules)  # the submission's own .py files (text): code the checks may read
        self.events = {}  # notebook name -> list of {"kind", "cell", "message"}
        self.peak_memory = {}

    def __deepcopy__(self, memo):
        """Itself: a handle on this submission's live sandbox and judge, not data. nbgrader's
        configuration, which carries it to the preprocessor, is copied on the way (traitlets copies
        each value it loads): every copy is this one context."""
        return self


def error_output(ename, evalue, lines=None):
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=list(lines) if lines else [f"{ename}: {evalue}"])


def cell_request(ctx, notebook, cell, code_so_far):
    """What the judge is sent for the test `cell` (protocol.Cell, less the op and turn the client adds)."""
    template = ctx.templates.get(notebook)
    grade_id = nb.grade_id(cell)
    env = {protocol.SEED_ENV: str(ctx.seed), protocol.NOTEBOOK_ENV: notebook, protocol.CELL_ENV: grade_id,
           protocol.SOURCE_DIR_ENV: str(ctx.source_dir), protocol.EXECUTION_ENV: "autograde"}
    return {"cell": grade_id, "source": cell.source, "env": env,
            "setup": nb.import_statements(template) if template is not None else [],
            "code": [*ctx.modules, *code_so_far]}


class SandboxedExecute(CappedOutput, Execute):
    """Execute in the sandbox, judge the test cells outside, never raise on what a notebook does."""

    context = Any(None, allow_none=True, help="this submission's GradingContext: the worker sets it in the "
                  "configuration it hands nbgrader (c.SandboxedExecute.context)").tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)

    # Kernel ------------------------------------------------------------------------------
    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        ctx = self.context
        if ctx is not None and isinstance(km, SandboxKernelManager):
            extra_env = {}
            if ctx.settings.earlier_env:
                nb.write_earlier(ctx.job.earlier, sorted(Path(ctx.source_dir).glob("*.ipynb")), self._notebook)
                extra_env[ctx.settings.earlier_env] = str(ctx.job.earlier)
            km.use_sandbox(ctx.job, extra_env)
        return km

    def preprocess(self, nb_node, resources=None, km=None):
        ctx = self.context
        self._notebook = resources["nbgrader"]["notebook"] if resources else "notebook"
        self._events = [] if ctx is None else ctx.events.setdefault(self._notebook, [])
        self._stopped = None
        self._deadline = None
        self._output_cell = None
        self._cell_bytes = 0
        self._notebook_bytes = 0
        self._cell_truncated = False
        self._kernel_ready = False
        self._code_so_far = []
        if ctx is not None:
            limits = ctx.limits
            self.timeout = int(max(1, limits.cell_timeout))
            self.iopub_timeout = int(max(1, limits.interrupt_grace))
            self.startup_timeout = int(limits.startup_timeout)
            self.shutdown_kernel = "immediate"
            self.timeout_func = self._cell_timeout
            ctx.job.populate(resources.get("metadata", {}).get("path") or ".")
        try:
            return super().preprocess(nb_node, resources, km)
        except Exception as error:
            if ctx is not None and not self._kernel_ready:
                raise RuntimeError(f"{KERNEL_START_FAILED} ({type(error).__name__}: {error}); "
                                   f"kernel log:\n{ctx.job.log_tail()}") from error
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
        except Exception:  # already dead or never started: nothing to stop
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
        except Exception:
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
                return "the kernel was killed (SIGKILL: usually out of memory, or a process or file size limit)"
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
        if nb.is_test(cell) and self.context is not None:
            return self._judge_cell(cell, index), self.resources
        self._code_so_far.append(cell.source)
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
            reason = (f"the cell was still running after {waited:.0f} s and ignored the interrupt; "
                      f"the kernel was stopped")
            self._record("hung", index, reason)
            cell.outputs = list(cell.get("outputs", [])) + [error_output("CellTimeoutError", reason)]
            self._stop(f"an earlier cell did not stop: {reason}")
        else:
            if any(out.get("ename") == "CellTimeoutError" for out in cell.outputs):
                self._record("timeout", index, f"the cell did not finish within {self._cell_timeout(cell)} s "
                                               f"and was interrupted")
        return cell, self.resources

    # The judge ---------------------------------------------------------------------------
    def _judge_cell(self, cell, index):
        ctx = self.context
        grade_id = nb.grade_id(cell)
        request = cell_request(ctx, self._notebook, cell, self._code_so_far)
        budget = self._cell_timeout(cell)
        started = time.monotonic()
        verdict = ctx.judge.grade_cell(request, self._answer_probe, timeout=budget)
        cell.metadata["grader"] = {"judged_in_seconds": round(time.monotonic() - started, 2)}
        outputs = []
        if verdict.get("output"):
            outputs.append(NotebookNode(output_type="stream", name="stdout",
                                        text=nb.capture_text(verdict["output"], MESSAGE_LIMIT)))
        if not verdict.get("passed"):
            message = nb.capture_text(verdict.get("message") or "failed", MESSAGE_LIMIT)
            kind = verdict.get("kind")
            ename = {"fail": "TestFailed", "timeout": "CellTimeoutError"}.get(kind, "GraderError")
            outputs.append(error_output(ename, message, message.split("\n")))
            if kind in ("internal",):
                self._record("judge", index, f"{grade_id}: {message.splitlines()[0][:300]}")
        for flag in verdict.get("flags") or ():
            self._record("review", index, f"{grade_id}: {flag}")
        cell.outputs = outputs
        cell.execution_count = None
        return cell

    def _answer_probe(self, message, remaining):
        """Run one of the judge's probes in the kernel; the answer as the judge expects it."""
        if self._stopped:
            return _no_answer(f"no answer: {self._stopped}")
        limits = self.context.judge_settings
        request = kernel_request(message, limits.answer_mb * 2**20)
        timeout = min(limits.probe_timeout, remaining)
        outcome = run_probe(self, agent.kernel_code(request), timeout, limits.answer_mb * 2**20)
        if outcome.dead:
            reason = self._death_reason()
            self._record("died", None, reason)
            self._stop(f"the kernel stopped while answering a test: {reason}")
            return _no_answer(f"the kernel stopped while answering a call of {message.get('target')} ({reason})")
        if outcome.hung:
            self._record("hung", None, f"a test's call did not return within {timeout:.0f} s")
            if outcome.killed:
                self._stop("the kernel ignored the interrupt after a test's call timed out")
            return _no_answer(f"a call of {message.get('target')} did not return within {timeout:.0f} s (interrupted)")
        reply = reply_from_outcome(outcome, message)
        if reply.pop("forged", False):
            self._record("forged", None, f"a call of {message.get('target')}: {reply['error']['message']}")
        return reply
