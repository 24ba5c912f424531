"""A pytest plugin that records the verdicts compose-lint's own rule tests observe.

Loaded into a run of compose-lint's test suite (`python -m pytest -p compose_lint_probe
tests/test_CL*.py` with this folder on PYTHONPATH), it wraps the parser's `load_compose` and
`loads` (to know which fixture a parsed document came from: a file of tests/compose_files, or
a YAML text written in the test) and every rule's `check` (to know which rule ran on which
service and whether it found something). A verdict counts only when the test that produced it
passed: the test's assertions then agree with what the installed compose-lint does.

The records go, one JSON object a line, to the file named by COMPOSE_LINT_PROBE_OUT.
Nothing of compose-lint is copied: the fixtures are read where the suite keeps them.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil

import pytest

_sources: dict[int, dict] = {}
_current: list[dict] = []
_records: list[dict] = []


def _wrap_loader(module, name: str, kind: str) -> None:
    original = getattr(module, name)

    def wrapper(source, *args, **kwargs):
        result = original(source, *args, **kwargs)
        data = result[0] if isinstance(result, tuple) else result
        if isinstance(data, dict):
            if kind == "file":
                # The text as read now: a test's temporary file is gone by the end.
                path = os.path.abspath(str(source))
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                _sources[id(data)] = {"kind": "file", "name": os.path.basename(path), "text": text}
            else:
                _sources[id(data)] = {"kind": "text", "text": str(source)}
        return result

    setattr(module, name, wrapper)


def _wrap_rule(cls) -> None:
    original = cls.check
    if getattr(original, "_probe", False):
        return

    def check(self, service_name, service_config, global_config, lines, *a, **k):
        found = list(original(self, service_name, service_config, global_config, lines, *a, **k))
        source = _sources.get(id(global_config))
        if source is not None:
            _current.append(
                {
                    "rule": self.metadata.id,
                    "service": service_name,
                    "fires": bool(found),
                    **source,
                }
            )
        return iter(found)

    check._probe = True
    cls.check = check


def pytest_configure(config):
    import compose_lint.parser as parser
    import compose_lint.rules as rules

    # The test modules import these names from compose_lint.parser at collection, after this.
    _wrap_loader(parser, "load_compose", "file")
    _wrap_loader(parser, "loads", "text")
    for info in pkgutil.iter_modules(rules.__path__):
        if info.name.startswith("CL"):
            importlib.import_module(f"compose_lint.rules.{info.name}")
    stack = list(rules.BaseRule.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "check" in cls.__dict__:
            _wrap_rule(cls)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    _current.clear()
    yield


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    if report.passed:
        for record in _current:
            _records.append({**record, "test": report.nodeid})
    _current.clear()


def pytest_sessionfinish(session):
    out = os.environ.get("COMPOSE_LINT_PROBE_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            for record in _records:
                f.write(json.dumps(record) + "\n")
