"""What every response must carry, as one checker the route matrix and the header tests share."""

from __future__ import annotations

import base64
import hashlib
import re

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Paths whose responses hold no personal data and may be cached.
CACHEABLE_PREFIXES = ("/static/", "/healthz")


def csp_directives(value: str) -> dict[str, list[str]]:
    """``"default-src 'none'; img-src 'self'"`` -> ``{"default-src": ["'none'"], ...}``."""
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response, path: str, *, secure: bool = False) -> list[str]:
    """Everything wrong with ``response``'s security and caching headers (empty when fine)."""
    headers = response.headers
    problems = [
        f"{name}: {headers.get(name)!r}, want {want!r}"
        for name, want in SECURITY_HEADERS.items()
        if headers.get(name) != want
    ]
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    if not csp:
        problems.append("no Content-Security-Policy")
    else:
        if csp.get("default-src") != ["'none'"]:
            problems.append(f"CSP default-src is {csp.get('default-src')}, want 'none'")
        scripts = csp.get("script-src", csp.get("default-src", []))
        if any(s in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:") for s in scripts):
            problems.append(f"CSP script-src allows {scripts}")
        styles = csp.get("style-src", [])
        if "'unsafe-inline'" in styles or "*" in styles:
            problems.append(f"CSP style-src allows {styles}")
        if csp.get("frame-ancestors") != ["'none'"]:
            problems.append(f"CSP frame-ancestors is {csp.get('frame-ancestors')}")
        for directive in ("base-uri", "form-action"):
            if directive not in csp:
                problems.append(f"CSP has no {directive}")
    policy = headers.get("Permissions-Policy", "")
    if not re.search(r"\bcamera=\(\)", policy) or not re.search(r"\bgeolocation=\(\)", policy):
        problems.append(f"Permissions-Policy {policy!r} does not turn off camera and geolocation")
    hsts = headers.get("Strict-Transport-Security")
    if secure and not (hsts and re.search(r"max-age=(\d{7,})", hsts)):
        problems.append(f"Strict-Transport-Security {hsts!r}, want max-age of a year or more")
    if not secure and hsts:
        problems.append(f"Strict-Transport-Security {hsts!r} sent without MOTIVO_SECURE_COOKIES")
    if not path.startswith(CACHEABLE_PREFIXES):
        cache = headers.get("Cache-Control", "")
        if "no-store" not in cache:
            problems.append(f"Cache-Control {cache!r}, want no-store")
    problems = [f"{path} ({response.status_code}): {p}" for p in problems]
    return problems + inline_code_problems(response, path)


def _style_hashes(html: str) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S | re.I)
    ]


def inline_code_problems(response, path: str) -> list[str]:
    """Inline code the policy would block: scripts, handlers, style attributes, unhashed styles."""
    if response.mimetype != "text/html":
        return []
    html = response.get_data(as_text=True)
    problems = []
    if re.search(r"<script\b(?![^>]*\bsrc=)", html, flags=re.I):
        problems.append("inline <script>")
    if re.search(r"<[^>]+\son[a-z]+\s*=", html, flags=re.I):
        problems.append("inline event handler attribute")
    if re.search(r"<[^>]+\sstyle\s*=", html, flags=re.I):
        problems.append("inline style attribute")
    if re.search(r"javascript:", html, flags=re.I):
        problems.append("javascript: URL")
    allowed = csp_directives(response.headers.get("Content-Security-Policy", ""))
    styles = allowed.get("style-src", [])
    problems += [
        f"<style> block whose hash {h} is not in style-src"
        for h in _style_hashes(html)
        if h not in styles
    ]
    return [f"{path} ({response.status_code}): {p}" for p in problems]
