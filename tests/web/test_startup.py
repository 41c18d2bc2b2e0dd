"""Start-up stays light: the app and the console script load no heavy library until used.

Every CLI call and every gunicorn worker pays for what importing ``web`` loads, so
scikit-learn, SciPy, pandas, WeasyPrint, openpyxl and semopy (with statsmodels and SymPy)
load only inside the commands and pages that use them. Each check runs in a fresh interpreter, where ``sys.modules`` starts
empty (this test process has long since loaded all of them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "pandas", "weasyprint", "openpyxl", "semopy", "statsmodels", "sympy")

CREATE_APP = """
from web import create_app
app = create_app({"TESTING": True, "DATABASE_URL": DATABASE_URL, "SECRET_KEY": "x" * 32})
app.test_client().get("/healthz")
"""

CLI_HELP = """
from click.testing import CliRunner
from web.cli import main
result = CliRunner().invoke(main, ["--help"])
assert result.exit_code == 0, result.output
assert "users" in result.output, result.output
"""

CLI_USERS = """
from click.testing import CliRunner
from models import migrate
from models.engine import make_engine
from web.cli import main
migrate.upgrade(make_engine(DATABASE_URL))
result = CliRunner().invoke(main, ["users", "list", "--format", "json"])
assert result.exit_code == 0, result.output
"""


def heavy_modules_after(code: str, database_url: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; the heavy top-level packages it left loaded."""
    program = (
        f"import json, sys\nHEAVY = {HEAVY!r}\nDATABASE_URL = {database_url!r}\n{code}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "x" * 32,
        "MOTIVO_INSTANCE_PATH": str(Path(database_url.removeprefix("sqlite:///")).parent),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and program
        [sys.executable, "-c", program],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'startup.db'}"


def test_creating_the_app_loads_no_heavy_library(url):
    assert heavy_modules_after(CREATE_APP, url) == []


def test_motivo_help_loads_no_heavy_library(url):
    assert heavy_modules_after(CLI_HELP, url) == []


def test_motivo_users_list_loads_no_heavy_library(url):
    assert heavy_modules_after(CLI_USERS, url) == []


def modules_after(code: str, database_url: str, names: tuple[str, ...]) -> list[str]:
    """The modules among ``names`` (or under them) that ``code`` left loaded."""
    probe = f"import sys\nNAMES = {names!r}\n"
    probe += "print('LOADED', sorted(m for m in sys.modules if m.startswith(NAMES)))\n"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "x" * 32,
        "MOTIVO_INSTANCE_PATH": str(Path(database_url.removeprefix("sqlite:///")).parent),
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and program
        [sys.executable, "-c", f"DATABASE_URL = {database_url!r}\n{code}\n{probe}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stdout.splitlines() if x.startswith("LOADED ")][-1]
    return eval(line.removeprefix("LOADED "))  # noqa: S307 - a list of names we printed


def test_motivo_users_list_loads_no_page_and_no_numpy(url):
    """A command builds the app without its pages: no blueprint, no numpy behind them."""
    loaded = modules_after(CLI_USERS, url, ("numpy", "web.survey", "web.team", "web.api"))
    assert loaded == []


def test_motivo_users_list_builds_no_table_class(url):
    """The roster command reads with SQLAlchemy Core: SQLModel, pydantic and the table
    classes (most of its former start-up time) stay unloaded, and it still lists people."""
    from sqlmodel import Session

    from models import migrate
    from models.engine import make_engine
    from models.tables import Person

    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        session.add(Person(external_id="R1", name="Ola Hansen", email="ola@example.test"))
        session.commit()
    engine.dispose()
    code = (
        "from click.testing import CliRunner\n"
        "from web.cli import main\n"
        "result = CliRunner().invoke(main, ['users', 'list', '--format', 'json'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'ola@example.test' in result.stdout, result.stdout\n"
    )
    assert modules_after(code, url, ("sqlmodel", "pydantic", "models.tables")) == []


def test_the_pages_still_load_in_the_served_app(url):
    loaded = modules_after(CREATE_APP, url, ("web.survey.routes", "web.team.routes"))
    assert loaded == ["web.survey.routes", "web.team.routes"]


def test_the_heavy_libraries_still_load_where_they_are_used(url):
    """The check can fail: training code really does bring scikit-learn in."""
    code = "import services.training\nservices.training.load_model  # noqa\n"
    code += "from recommender.artefact import MotivoModel  # noqa: F401\n"
    assert "sklearn" in heavy_modules_after(code, url)


def test_motivo_users_list_imports_only_its_own_command_module(url):
    """``motivo`` loads the command a run names: listing users leaves the survey, reward,
    analytics and other command modules (and what they import) unloaded."""
    loaded = modules_after(CLI_USERS, url, ("web.commands.",))
    assert loaded == ["web.commands.common", "web.commands.users"]


def test_every_listed_command_loads_under_its_own_name():
    """The group's table of commands agrees with the commands themselves, so ``motivo X``
    runs the command called X and ``motivo --help`` lists each one once."""
    from web.commands import COMMAND_PATHS, load_command

    assert {name: load_command(name).name for name in COMMAND_PATHS} == {
        name: name for name in COMMAND_PATHS
    }


def test_flask_cli_still_has_every_command(url):
    """``flask --app web`` reads the commands from ``app.cli``; they are all there."""
    from web import create_app
    from web.commands import COMMAND_PATHS

    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x" * 32})
    assert sorted(app.cli.commands) == sorted(COMMAND_PATHS)
