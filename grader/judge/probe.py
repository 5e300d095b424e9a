"""Run one probe's code in the student's kernel and collect its answer, under a time limit.

The code (grader/judge/agent.py's `kernel_code`) runs silently (no history, no execute
result) and publishes its answer as display data of its own MIME type. Only messages that
answer this very request are read; everything else the kernel prints meanwhile is ignored.
A call that passes its time is interrupted; a kernel that ignores the interrupt is killed.
"""

import dataclasses
import queue
import time

from grader.judge.agent import MIME


@dataclasses.dataclass
class ProbeOutcome:
    text: str | None = None  # the answer's JSON text, if one came
    dead: bool = False  # the kernel died
    hung: bool = False  # no idle status within the time
    killed: bool = False  # it ignored the interrupt too
    answers: int = 0  # how many answers came (more than one: someone else spoke for the agent)


async def _collect(kc, msg_id, deadline, max_bytes, outcome):
    """Read IOPub until the kernel is idle again for `msg_id`; True if it did in time."""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            message = await kc.get_iopub_msg(timeout=min(remaining, 1.0))
        except queue.Empty:
            if not await kc.is_alive():
                outcome.dead = True
                return True
            continue
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message.get("msg_type")
        content = message.get("content", {})
        if kind in ("display_data", "update_display_data"):
            text = (content.get("data") or {}).get(MIME)
            if text is not None:
                outcome.answers += 1
            if isinstance(text, str) and len(text) <= max_bytes:
                outcome.text = text
        elif kind == "status" and content.get("execution_state") == "idle":
            return True


def run_probe(executor, code, timeout, max_bytes):
    """Run `code` in the executor's kernel; a ProbeOutcome."""
    from jupyter_core.utils import run_sync

    kc = executor.kc
    outcome = ProbeOutcome()
    if kc is None:
        outcome.dead = True
        return outcome

    async def go():
        from jupyter_core.utils import ensure_async

        msg_id = await ensure_async(kc.execute(code, silent=True, store_history=False, allow_stdin=False))
        if await _collect(kc, msg_id, time.monotonic() + timeout, max_bytes, outcome):
            return
        outcome.hung = True
        try:
            await executor.km.interrupt_kernel()
        except Exception:  # noqa: BLE001 (a kernel that cannot be interrupted is killed below)
            pass
        grace = executor.context.limits.interrupt_grace if executor.context else 10
        if not await _collect(kc, msg_id, time.monotonic() + grace, max_bytes, ProbeOutcome()):
            outcome.killed = True

    run_sync(go)()
    return outcome
