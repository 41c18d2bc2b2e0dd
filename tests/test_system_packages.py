"""One list of Debian packages: the Dockerfile, CI and the README must all use it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _packages(name: str) -> list[str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return [line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip()]


def test_lists_name_real_package_names():
    for name in ("debian-runtime.txt", "debian-test.txt", "debian-bench.txt"):
        packages = _packages(name)
        assert packages
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", p) for p in packages), packages


def test_the_image_installs_the_runtime_list_and_nothing_by_hand():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "requirements/debian-runtime.txt" in dockerfile
    installs = re.findall(r"apt-get install[^\n]*", dockerfile)
    assert installs
    for line in installs:
        assert "debian-runtime.txt" in line  # no package named outside the list
    for package in _packages("debian-runtime.txt"):
        assert package not in dockerfile.replace("debian-runtime.txt", "")


def test_ci_installs_both_lists():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "requirements/debian-runtime.txt" in ci
    assert "requirements/debian-test.txt" in ci
    for package in _packages("debian-runtime.txt") + _packages("debian-test.txt"):
        assert not re.search(rf"(?<![\w/-]){re.escape(package)}(?![\w.-])", ci)


def test_readme_names_every_package():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lists = ("debian-runtime.txt", "debian-test.txt", "debian-bench.txt")
    for package in [p for name in lists for p in _packages(name)]:
        assert f"`{package}`" in readme, package


def test_installs_come_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements-test.txt" in makefile
    assert "--require-hashes -r requirements.txt" in makefile
    assert "--require-hashes -r requirements.txt" in dockerfile
    for lock in ("requirements.txt", "requirements-test.txt"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        pins = re.findall(r"^([A-Za-z0-9_.-]+)==", text, flags=re.M)
        assert {"flask", "scikit-learn", "sqlmodel", "weasyprint"} <= {p.lower() for p in pins}
        assert "--hash=sha256:" in text
