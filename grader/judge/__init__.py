"""The judge: test cells run in a trusted process, the student's kernel only answers for values.

    server.py   the judge process: runs a test cell, decides pass or fail
    remote.py   the handles a test cell gets for the student's names
    client.py   the worker's end: starts the judge, relays its probes
    probe.py    one probe run in the kernel, under a time limit
    agent.py    what runs in the kernel for a probe, and the plain-data encoding
"""
