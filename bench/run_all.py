"""Run every benchmark in ``bench/`` and gather their reports into ``bench/results.md``.

``make bench`` runs this. Each ``bench/bench_<name>.py`` runs in its own process, one after
another so they do not compete for the cores, and writes ``bench/results/<name>.md``. The
summary starts with the date and the machine, then holds each report as a section (its
headings one level down). Give names to run only some: ``python bench/run_all.py cli``.
A benchmark that fails is reported as failed, never with an older report in its place,
and makes this script exit with status 1.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SUMMARY = BENCH / "results.md"


def benchmarks(names: list[str]) -> list[Path]:
    """The benchmark scripts, by name (``cli`` for ``bench_cli.py``); all when none given."""
    found = sorted(BENCH.glob("bench_*.py"))
    if not names:
        return found
    by_name = {name_of(script): script for script in found}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        known = ", ".join(by_name)
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)} (known: {known})")
    return [by_name[name] for name in names]


def name_of(script: Path) -> str:
    return script.stem.removeprefix("bench_")


def demote(markdown: str) -> str:
    """Every heading one level down, so each report sits under the summary's title."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("#"):
            line = "#" + line
        out.append(line)
    return "\n".join(out)


def machine() -> str:
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, python {platform.python_version()}, numpy {np.__version__}"
    )


def run(script: Path) -> tuple[int, float, str | None]:
    """Run one benchmark; its exit status, wall time and fresh report (None if none)."""
    report = RESULTS / f"{name_of(script)}.md"
    print(f"== {script.name}", flush=True)
    started = time.time()
    status = subprocess.run([sys.executable, str(script)], cwd=ROOT, check=False).returncode  # noqa: S603
    elapsed = time.time() - started
    # A report older than this run belongs to an earlier one and must not pass as new.
    fresh = report.exists() and report.stat().st_mtime >= started
    text = report.read_text(encoding="utf-8") if status == 0 and fresh else None
    return status, elapsed, text


def main(argv: list[str]) -> int:
    scripts = benchmarks(argv)
    began = datetime.now(UTC)
    outcomes = [(script, *run(script)) for script in scripts]
    lines = [
        "# Motivo benchmarks",
        "",
        f"- date (UTC): {began.isoformat(timespec='seconds')}",
        f"- machine: {machine()}",
        "- what each benchmark measures and how to read the ratios: bench/README.md",
        "",
        "| benchmark | report | took | status |",
        "|---|---|---:|---|",
    ]
    for script, status, elapsed, text in outcomes:
        state = "ok" if text is not None else f"FAILED (exit {status})"
        report = f"results/{name_of(script)}.md"
        lines.append(f"| {script.name} | {report} | {elapsed:.0f} s | {state} |")
    for script, status, _elapsed, text in outcomes:
        lines.append("")
        if text is None:
            lines += [
                f"## {script.name}",
                "",
                f"Failed (exit status {status}) or wrote no report; its output above says why.",
            ]
        else:
            lines.append(demote(text).rstrip())
    SUMMARY.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"Written to {SUMMARY}.")
    return 0 if all(text is not None for *_, text in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
