"""What runs in the student's kernel: agent.py, sent there as source text for each probe.

Only the text of grader/kernel/agent.py (and grader/protocol.py's) reaches the kernel; the
judge and the worker import agent.py as a module for its plain-data encoding.
"""
