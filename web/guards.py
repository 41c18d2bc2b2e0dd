"""View decorators that ask ``services.access`` before a view runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask_login import login_required

from services.access import require
from web.auth_setup import viewer


def requires(capability: str) -> Callable:
    """Sign-in required, then the capability; a missing one is a 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(viewer(), capability)
            return view(*args, **kwargs)

        return wrapped

    return decorator
