"""The grading worker's code: one submission graded in a Dask task (or in-process for `check`).

    grade.py          one submission: a private folder, its shape repaired, nbgrader's Autograde
    execute.py        nbgrader's Execute: the sandbox for student cells, the judge for test cells
    output_caps.py    a cell's and a notebook's outputs cut past their limits
    judge_client.py   the worker's end of the judge: starts it, relays its probes
    probe.py          one probe run in the kernel, under a time limit; the answer decoder

The judge process is grader/judge/, what runs in the kernel grader/kernel/, the kernel's
sandbox grader/sandbox/; the messages between them are declared in grader/protocol.py.
"""
