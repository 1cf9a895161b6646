"""The docstring examples of every module of the installed package run and pass."""

import doctest
import importlib
import pkgutil

import pytest


def _modules() -> list[str]:
    names = ["arabic_events"]
    # model/, training/ and analysis/ are mapped into arabic_events (an editable install does not list them
    # under arabic_events.__path__), so each is walked from its own path
    for sub in ("arabic_events.model", "arabic_events.training", "arabic_events.analysis"):
        pkg = importlib.import_module(sub)
        names.append(sub)
        names += [info.name for info in pkgutil.walk_packages(pkg.__path__, sub + ".")]
    return sorted(set(names))


MODULES = [m for m in _modules() if not m.endswith("__main__") and ".metrics." not in m]


def test_every_package_is_walked():
    assert {"arabic_events.model.extractor", "arabic_events.training.learning.recipe",
            "arabic_events.training.data.records", "arabic_events.training.evaluation.scoring",
            "arabic_events.analysis.report_html", "arabic_events.training.data.labelstudio_import"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
