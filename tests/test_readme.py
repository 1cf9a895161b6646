"""The README tells the truth: every command in its shell blocks parses with the options it shows,
every repository path it names exists, and the files it says training writes are written."""

import argparse
import importlib
import re
import shlex
import tomllib

import pytest
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
TOP = ("configs/", "annotations/", "notebooks/", "docs/", "training/", "model/", "tests/", "benchmarks/", ".ci/")


def shell_lines() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                lines += [part.strip() for part in line.split("&&")]
    return lines


def entry(argv: list[str]):
    """(main function, its arguments) of a README command, or None for other programs."""
    if argv[0] in SCRIPTS:
        module, func = SCRIPTS[argv[0]].split(":")
        return getattr(importlib.import_module(module), func), argv[1:]
    if argv[:2] == ["python", "-m"] or argv[:2] == ["python3", "-m"] or argv[:3] == ["accelerate", "launch", "-m"]:
        k = argv.index("-m") + 1
        if argv[k].startswith("arabic_events"):
            module = importlib.import_module(argv[k])
            main = getattr(module, "main", None) or importlib.import_module(argv[k] + ".__main__").main
            return main, argv[k + 1:]
    return None


COMMANDS = [c for c in shell_lines() if entry(shlex.split(c))]


class Parsed(Exception):
    pass


def test_the_readme_shows_commands():
    assert any(c.startswith("arabic-events-train --config configs/offline.yaml") for c in COMMANDS)
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS)
def test_every_readme_command_parses(command, monkeypatch):
    parse = argparse.ArgumentParser.parse_args

    def parse_then_stop(self, args=None, namespace=None):
        parse(self, args, namespace)  # exits with status 2 on an unknown option
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
    main, args = entry(shlex.split(command))
    with pytest.raises(Parsed):
        main(args)


def test_every_repository_path_in_the_readme_exists():
    tops = "|".join(map(re.escape, TOP))
    named = set(re.findall(rf"(?<![\w./-])((?:{tops})[\w./*-]*\w)", README))
    missing = [p for p in sorted(named) if "*" not in p and not (ROOT / p).exists()]
    assert missing == []


def test_the_help_uses_the_installed_name(capsys):
    from arabic_events.model.__main__ import main

    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("usage: arabic-events ")


def test_files_the_readme_says_training_writes_are_the_ones_it_writes():
    import inspect

    from arabic_events.training.learning import recipe

    for name in ("training_config.yaml", "dev_report.json"):
        assert f"`{name}`" in README and name in inspect.getsource(recipe)
