"""Tests of grader.execute and grader.harness: reference copies and fresh checkers."""

import sys
import types

from grader.execute import names_used, write_reference
from grader.harness import restore
from tests.grader.support import FILES

SOURCE = sorted((FILES / "course" / "source" / "toy").glob("*.ipynb"))


def test_the_reference_copy_has_definitions_but_no_hidden_tests(tmp_path):
    """Does the kernel's reference folder hold the solutions' code and never a test?"""
    written = write_reference(tmp_path, SOURCE, "02_more")
    assert written == ["01_basics.ipynb", "02_more.ipynb"]
    text = "".join(p.read_text() for p in tmp_path.glob("*.ipynb"))
    assert "def add" in text and "def running_total" in text
    assert "HIDDEN TESTS" not in text and "check_add(add)" not in text
    assert "BEGIN SOLUTION" not in text


def test_earlier_scope_never_gives_the_notebook_being_graded(tmp_path):
    """With scope "earlier", does notebook 02 get 01's definitions only, and 01 none?"""
    assert write_reference(tmp_path, SOURCE, "02_more", "earlier") == ["01_basics.ipynb"]
    assert write_reference(tmp_path, SOURCE, "01_basics", "earlier") == []
    assert list(tmp_path.glob("*.ipynb")) == []


def test_names_used_by_a_test_cell():
    """Are the names a test cell reads found, attribute roots included?"""
    assert names_used("toy_utils.check(f)\nx = g(1)") == {"toy_utils", "f", "x", "g"}
    assert names_used("def (:") == set()


def test_restore_undoes_redefined_and_patched_checkers(tmp_path, monkeypatch):
    """After a student rebinds and monkeypatches a checker, does restore bring the real one back?"""
    (tmp_path / "trusted_checks.py").write_text("def check(x):\n    assert x == 1, 'x is not 1'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import trusted_checks

    namespace = {"trusted_checks": trusted_checks, "check": lambda x: None}
    trusted_checks.check = lambda x: None  # monkeypatched in the module
    rebound = restore(namespace, ["trusted_checks"], {"check", "trusted_checks", "x"})
    assert sorted(rebound) == ["check", "trusted_checks"]
    for check in (namespace["check"], namespace["trusted_checks"].check):
        try:
            check(2)
        except AssertionError as error:
            assert str(error) == "x is not 1"
        else:
            raise AssertionError("the restored checker passed a wrong answer")
    sys.modules.pop("trusted_checks", None)


def test_restore_replaces_a_fake_module_in_sys_modules(tmp_path, monkeypatch):
    """Is a fake module planted in sys.modules replaced by the real one from disk?"""
    (tmp_path / "trusted_fake.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "trusted_fake", types.SimpleNamespace(REAL=False))
    namespace = {}
    restore(namespace, ["trusted_fake"], {"trusted_fake"})
    assert namespace["trusted_fake"].REAL is True
    sys.modules.pop("trusted_fake", None)
