"""`GET /api/openapi.json`: the OpenAPI 3.1 description of the JSON API, for anyone.

The description is a checked-in file beside this module (`openapi.json`), read once per process;
tests/workshop/test_openapi.py validates it and holds its paths to the URLs. It is public: it
says what the API is, not what any workshop holds.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from core.http import methods

DESCRIPTION = Path(__file__).with_name("openapi.json")


@cache
def description() -> dict[str, Any]:
    return json.loads(DESCRIPTION.read_text(encoding="utf-8"))


@methods("GET")
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(description(), json_dumps_params={"ensure_ascii": False})
