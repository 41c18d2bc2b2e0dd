"""CLI commands, one module per area.

``COMMAND_PATHS`` names each command and where it lives, so the ``motivo`` group can list
them without importing a module and load only the one a run asks for: ``motivo users
list`` imports the users module, not the reward, survey and analytics commands beside it.
"""

from __future__ import annotations

import importlib

import click

COMMAND_PATHS = {
    "init": "web.commands.setup:init",
    "db": "web.commands.setup:db",
    "serve": "web.commands.setup:serve",
    "people": "web.commands.people:people",
    "users": "web.commands.users:users",
    "rewards": "web.commands.rewards:rewards",
    "feedback": "web.commands.rewards:feedback",
    "train": "web.commands.rewards:train",
    "worker": "web.commands.rewards:worker",
    "recommend": "web.commands.rewards:recommend",
    "evaluate": "web.commands.rewards:evaluate",
    "instrument": "web.commands.survey:instrument",
    "responses": "web.commands.survey:responses",
    "reliability": "web.commands.survey:reliability_command",
    "validate": "web.commands.survey:validate_command",
    "waves": "web.commands.survey:waves",
    "tokens": "web.commands.tokens:tokens",
    "kpis": "web.commands.analytics:kpis",
    "experiments": "web.commands.analytics:experiments",
    "summary": "web.commands.insights:summary_command",
    "focus-groups": "web.commands.insights:focus_groups_command",
    "notifications": "web.commands.notifications:notifications",
}


def load_command(name: str) -> click.Command:
    """The command called ``name``, importing only the module that defines it."""
    module, _, attribute = COMMAND_PATHS[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def all_commands() -> list[click.Command]:
    return [load_command(name) for name in COMMAND_PATHS]
