"""Put the trusted checker modules back as shipped, before a graded test cell runs.

The grader runs this file (by path, not by import) inside the student's kernel just before
each test cell. A student may have redefined a checker (`def comparator(*a): pass`),
replaced one in its module (`test_utils.comparator = lambda *a: None`) or planted a fake
module in `sys.modules`; all three would make the test cell pass whatever the answer. Here
the trusted packages are dropped from `sys.modules` and imported again from disk (which the
sandbox user cannot write), and every name the test cell uses that belongs to them is bound
to the fresh object.

This defeats tampering with the checkers; it cannot defeat a student who subverts the
interpreter itself (import hooks, IPython input transformers): the grader flags those
submissions for review instead (see grader/README.md).
"""

import importlib
import sys


def restore(namespace, module_names, used_names):
    """Re-import `module_names` fresh and rebind the `used_names` that belong to them.

    Args:
        namespace: the notebook's globals.
        module_names: trusted packages, e.g. ["test_utils"].
        used_names: the names the test cell reads (computed by the grader from its source).

    Returns:
        The names that were rebound (for the grader's log).
    """
    fresh = {}
    for name in module_names:
        for key in [key for key in sys.modules if key == name or key.startswith(name + ".")]:
            del sys.modules[key]
        importlib.invalidate_caches()
        fresh[name] = importlib.import_module(name)
    rebound = []
    for name, module in fresh.items():
        top = name.split(".")[0]
        if top in used_names:
            namespace[top] = sys.modules[top]
            rebound.append(top)
        public = getattr(module, "__all__", None)
        if public is None:
            public = [attr for attr in vars(module) if not attr.startswith("_")]
        for attr in public:
            if attr in used_names and hasattr(module, attr):
                namespace[attr] = getattr(module, attr)
                rebound.append(attr)
    return rebound
