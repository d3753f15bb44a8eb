"""Asking a running service whether it is ready, as a load balancer would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def readiness(base_url: str) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of `base_url`/readyz; a 503 is an answer, not an error."""
    try:
        with urllib.request.urlopen(f"{base_url}/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
