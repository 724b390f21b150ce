"""axe-core is a test tool: vendored with its licence and version, never a static file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders

from tests.a11y.axe import VENDOR, axe_source


def test_axe_is_vendored_with_its_licence_and_version():
    assert axe_source().startswith("/*! axe v4.14.1")
    assert "Mozilla Public License" in (VENDOR / "LICENSE").read_text(encoding="utf-8")
    assert "4.14.1" in (VENDOR / "README.md").read_text(encoding="utf-8")


def test_axe_is_not_among_the_files_the_portal_serves():
    assert finders.find("axe.min.js") is None
    assert finders.find("vendor/axe.min.js") is None
    assert not [path for path, _ in _all_static_files() if Path(path).name.startswith("axe")]


def _all_static_files():
    for finder in finders.get_finders():
        yield from finder.list([])
