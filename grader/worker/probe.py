"""Run one probe's code in the student's kernel and collect its answer, under a time limit.

The code (grader/kernel/agent.py's `kernel_code`) runs silently (no history, no execute
result) and publishes its answer as display data of its own MIME type. Only messages that
answer this very request are read; everything else the kernel prints meanwhile is ignored.
A call that passes its time is interrupted; a kernel that ignores the interrupt is killed.
"""

import dataclasses
import json
import queue
import time

from grader.protocol import MIME, error_shape


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
        except Exception:  # a kernel that cannot be interrupted is killed below
            pass
        grace = executor.context.limits.interrupt_grace if executor.context else 10
        if not await _collect(kc, msg_id, time.monotonic() + grace, max_bytes, ProbeOutcome()):
            outcome.killed = True

    run_sync(go)()
    return outcome


def kernel_request(message, max_bytes):
    """The request for the kernel's agent (protocol.KernelRequest) for the judge's probe `message`."""
    return {"id": message["id"], "target": message.get("target"), "probe": message.get("probe"),
            "define": message.get("define"), "args": message.get("args", []), "kwargs": message.get("kwargs", {}),
            "max_bytes": max_bytes}


def no_answer(message, forged=False):
    """The reply the judge gets when the kernel gave no usable answer (its check then fails).

    `forged`: the answer was not what the grader's own agent sends (several answers, another
    question's, unreadable, nested past any plain answer): the worker flags it for review.
    """
    reply = {"ok": False, "error": error_shape("NoAnswer", message)}
    if forged:
        reply["forged"] = True
    return reply


MAX_NESTING = 64  # deeper than any plain answer (agent.MAX_DEPTH) may be: refused before anything else
_TOO_DEEP = object()


def _too_deep(value, limit=MAX_NESTING):
    """Does this parsed JSON value nest deeper than `limit`? (iterative: no recursion to exhaust)"""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def reply_from_outcome(outcome, message):
    """The kernel's one answer to `message`, as plain checked data, or a NoAnswer reply saying why.

    Never raises: whatever the kernel sent (deep nesting, huge or broken text, wrong types,
    another question's id), the result is a reply the judge can be given, so that one
    student's answer can never leave the judge waiting for the next student's messages.
    """
    try:
        return _reply(outcome, message)
    except Exception as error:  # every malformed answer is the student's, not ours
        return no_answer(f"the kernel's answer could not be read ({type(error).__name__})", forged=True)


def _reply(outcome, message):
    target = message.get("target")
    if outcome.answers > 1:
        return no_answer(f"the kernel sent {outcome.answers} answers to one call of {target}: "
                         f"something in the notebook answers for the grader", forged=True)
    if outcome.text is None:
        return no_answer("the kernel sent no answer (is the grader's probe blocked or its output redirected?)")
    try:
        reply = json.loads(outcome.text)
    except RecursionError:
        reply = _TOO_DEEP
    except (ValueError, TypeError):
        return no_answer("the kernel's answer is not valid data", forged=True)
    if reply is _TOO_DEEP or _too_deep(reply):
        return no_answer(f"the kernel's answer is nested more than {MAX_NESTING} levels deep: not plain data",
                         forged=True)
    if not isinstance(reply, dict) or reply.get("id") != message["id"] or isinstance(reply.get("id"), bool):
        return no_answer("the kernel's answer belongs to another question", forged=True)
    if reply.get("ok") is True:
        return {"ok": True, "value": reply.get("value")}
    error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
    frames = error.get("frames") if isinstance(error.get("frames"), list) else []
    return {"ok": False, "error": {"type": str(error.get("type", "Error"))[:100],
                                   "message": str(error.get("message", ""))[:4000],
                                   "frames": [{key: str(frame.get(key, ""))[:200]
                                               for key in ("function", "where", "line", "code")}
                                              for frame in frames if isinstance(frame, dict)][:8],
                                   "placeholder": error.get("placeholder") is True}}
