"""Checking a graded corpus: leaks of secrets, canaries of code run outside a kernel, the forgers' tables."""

from __future__ import annotations

import base64
import collections
import json
import os
import re
import zlib
from pathlib import Path

from .corpus_base import CANARY_DIR, ENV_SECRET, PROBE_PREFIX, REPO, SOURCE
from .corpus_planted import FORMULA_CODE


# --------------------------------------------------------------------------------------
# Checking a graded corpus: leaks and canaries
# --------------------------------------------------------------------------------------

def _region_lines(begin, end, minimum=30):
    lines = set()
    for nb in SOURCE.values():
        for cell in nb.cells:
            inside = False
            for line in cell.source.splitlines():
                stripped = line.strip()
                if stripped == begin:
                    inside = True
                elif stripped == end:
                    inside = False
                elif inside and len(stripped) >= minimum:
                    lines.add(stripped)
    return sorted(lines)


def secret_strings(kind):
    """The strings that must not reach the feedback, for one kind of secret."""
    if kind == "solution":
        return _region_lines("### BEGIN SOLUTION", "### END SOLUTION")
    if kind == "hidden":
        return _region_lines("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    if kind == "shadow":
        try:
            lines = Path("/etc/shadow").read_text().splitlines()
        except OSError:
            return []
        return [line.split(":")[1] for line in lines if len(line.split(":")) > 2 and len(line.split(":")[1]) > 12]
    if kind == "environ":
        secret = os.environ.get(ENV_SECRET)
        return [secret] if secret else []
    if kind == "probe-output":
        return [PROBE_PREFIX]
    raise KeyError(kind)


LEAK_TOKEN = re.compile(r"LEAK:([\w.\-]+):(z64|b64|hex|rot13):(\d+):([A-Za-z0-9+/=]+)")


def decoded_leaks(text):
    """{(label, encoding): decoded text} of the LEAK lines in `text` (feedback HTML, outputs)."""
    import codecs
    import html

    chunks = collections.defaultdict(dict)
    for label, encoding, index, payload in LEAK_TOKEN.findall(html.unescape(text)):
        chunks[(label, encoding)][int(index)] = payload
    decoded = {}
    for (label, encoding), parts in chunks.items():
        payload = "".join(parts[i] for i in sorted(parts))
        try:
            if encoding == "z64":
                data = zlib.decompress(base64.b64decode(payload))
            elif encoding == "b64":
                data = base64.b64decode(payload)
            elif encoding == "hex":
                data = bytes.fromhex(payload)
            else:
                data = codecs.decode(base64.b64decode(payload).decode("latin-1"), "rot13").encode("latin-1")
        except Exception:  # a truncated chunk: the feedback cut it
            continue
        decoded[(label, encoding)] = data.decode("utf-8", "replace")
    return decoded


def find_leaks(text, kinds):
    """[(kind, secret found)] in a feedback HTML or export text.

    "solution" is searched in the decoded LEAK payloads only (a solved notebook holds solution
    code of its own); the other kinds in the plain text and the decoded payloads.
    """
    import html

    plain = html.unescape(text)
    payloads = "\n".join(decoded_leaks(text).values())
    found = []
    for kind in kinds:
        haystack = payloads if kind == "solution" else plain + "\n" + payloads
        for secret in secret_strings(kind):
            if secret and secret in haystack:
                found.append((kind, secret[:120]))
    return found


def outside_kernel_canaries(canary_dir=CANARY_DIR, scenario=None):
    """Canary files written by planted code that ran outside a kernel (each one is a breach)."""
    folder = Path(canary_dir)
    if not folder.is_dir():
        return []
    pattern = f"{scenario}.*.OUTSIDE-KERNEL.*" if scenario else "*.OUTSIDE-KERNEL.*"
    return sorted(str(path) for path in folder.glob(pattern))


# --------------------------------------------------------------------------------------

def _self_check():
    """The formula tables the forgers use must equal the generated reference tables."""
    namespace = {}
    exec(FORMULA_CODE, namespace)
    tables = json.loads((REPO / "test_utils" / "reference_tables.json").read_text())["tables"]

    def plain(rows):
        return json.loads(json.dumps(rows))

    checks = {"unet_model": namespace["_unet_rows"](), "unet_model_small": namespace["_unet_rows"]((64, 80, 1), 8, 5),
              "conv_block": namespace["_conv_rows"]((96, 128, 3), 32),
              "conv_block_dropout": namespace["_conv_rows"]((96, 128, 3), 32, 0.1),
              "conv_block_no_pooling": namespace["_conv_rows"]((12, 16, 256), 512, 0.3, False)}
    return [name for name, rows in checks.items() if plain(rows) != tables[name]["rows"]]


