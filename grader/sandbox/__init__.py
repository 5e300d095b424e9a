"""Isolation of student code: who the kernel runs as, what it sees, what it may use.

    capabilities.py  what this machine allows (root? namespaces?), said in every report
    users.py         one unprivileged user per running kernel (a slot), killed as a group
    memory.py        the memory watch over a slot's processes
    job.py           one submission's sandbox and the kernel manager that starts kernels in it
    launcher.py      run as root before the kernel: namespaces, limits, user change, exec

grader/README.md lists exactly what is and is not isolated.
"""

from grader.sandbox.capabilities import Capabilities, SandboxError, capabilities, check_mode
from grader.sandbox.job import SandboxJob, SandboxKernelManager
from grader.sandbox.memory import MemoryWatch
from grader.sandbox.users import Slot, acquire_slot, kill_user_processes, leftover_processes

__all__ = ["Capabilities", "MemoryWatch", "SandboxError", "SandboxJob", "SandboxKernelManager", "Slot",
           "acquire_slot", "capabilities", "check_mode", "kill_user_processes", "leftover_processes"]
