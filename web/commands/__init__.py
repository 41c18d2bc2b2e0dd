"""CLI commands, one module per area; ``COMMANDS`` is what the group registers."""

from web.commands.analytics import ANALYTICS_COMMANDS
from web.commands.insights import INSIGHTS_COMMANDS
from web.commands.notifications import notifications
from web.commands.people import people
from web.commands.rewards import evaluate, feedback, recommend, rewards, train, worker
from web.commands.setup import db, init, serve
from web.commands.survey import SURVEY_COMMANDS
from web.commands.tokens import tokens
from web.commands.users import users

COMMANDS = [
    init,
    db,
    serve,
    people,
    users,
    rewards,
    feedback,
    train,
    worker,
    recommend,
    evaluate,
    *SURVEY_COMMANDS,
    tokens,
    *ANALYTICS_COMMANDS,
    *INSIGHTS_COMMANDS,
    notifications,
]
