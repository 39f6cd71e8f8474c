"""The HTTP half of a member, done as a browser does it: GET the form for the CSRF cookie and
token, POST it, keep the session cookie the redirect sets.

The join page and the login form are the paths a real member takes before the websocket opens;
going through them makes the benchmark's sessions real ones, with nothing made up in the database."""

from __future__ import annotations

import http.client
import re
import urllib.parse


def http_request(
    port: int, method: str, path: str, *, form: dict[str, str] | None = None, cookies: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request; returns status, the cookies it set, and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Origin": f"http://127.0.0.1:{port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        set_cookies = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            set_cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, set_cookies, text
    finally:
        connection.close()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_post(port: int, path: str, fields: dict[str, str]) -> dict[str, str]:
    """GET the form (CSRF cookie and token), POST it, expect a redirect; returns the cookies."""
    status, cookies, body = http_request(port, "GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status}")
    match = CSRF_INPUT.search(body)
    if match is None:
        raise RuntimeError(f"GET {path}: no CSRF token in the form")
    status, more, body = http_request(
        port, "POST", path, form={**fields, "csrfmiddlewaretoken": match.group(1)}, cookies=cookies
    )
    if status != 302:
        raise RuntimeError(f"POST {path}: {status} {body[:300]}")
    return {**cookies, **more}


def join(port: int, token: str, name: str) -> str:
    """A guest joins through the invite link; returns the session cookie."""
    return form_post(port, f"/join/{token}/", {"display_name": name})["sessionid"]


def login(port: int, username: str, password: str) -> str:
    return form_post(port, "/accounts/login/", {"username": username, "password": password})["sessionid"]
