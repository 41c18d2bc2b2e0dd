"""Security and caching headers on every response.

The Content-Security-Policy allows no script at all (Motivo's pages work without
JavaScript) and no inline style except the one ``<style>`` block of the standalone report,
allowed by its SHA-256 hash. Personal data must not linger in browser or proxy caches, so
every answer except static files and the health check is ``no-store``.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import Flask, Response, request

PRINT_CSS = Path(__file__).parent / "static" / "print.css"
HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def style_hash(css: str) -> str:
    """The CSP source that allows exactly one inline ``<style>`` body."""
    digest = hashlib.sha256(css.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(inline_styles: list[str]) -> str:
    styles = " ".join(["'self'", *(style_hash(css) for css in inline_styles)])
    return "; ".join(
        [
            "default-src 'none'",
            # One script of Motivo's own (the password-link page), none inline.
            "script-src 'self'",
            f"style-src {styles}",
            "img-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    policy = content_security_policy([PRINT_CSS.read_text(encoding="utf-8")])
    secure = bool(app.config.get("SESSION_COOKIE_SECURE"))
    static_prefix = f"{app.static_url_path}/"

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = PERMISSIONS_POLICY
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if secure:
            headers["Strict-Transport-Security"] = HSTS
        # Static files and the health check show nobody's data; everything else may.
        if not (request.path.startswith(static_prefix) or request.path == "/healthz"):
            headers["Cache-Control"] = "no-store"
        return response
