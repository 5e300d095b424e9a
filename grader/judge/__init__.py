"""The judge process: test cells run in a trusted process, the student's kernel only answers for values.

    server.py   the judge process: runs a test cell, decides pass or fail
    remote.py   the handles a test cell gets for the student's names

Its worker's end is grader/worker/judge_client.py; what runs in the kernel for a probe is
grader/kernel/agent.py; the messages between them are declared in grader/protocol.py.
"""
