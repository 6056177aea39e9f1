"""Retries for requests to a PACS: transient failures (timeouts, dropped connections, HTTP 408,
429 and 5xx) are tried again after a growing pause, or after the server's Retry-After; anything
else fails at once with a one-line reason that names no patient data."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests

RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})

Result = TypeVar("Result")


class SourceError(Exception):
    """A request that failed for good (after its retries): the reason, in one line."""


class TransientError(Exception):
    """A failure worth another try that is not an HTTP one (e.g. a DICOM association aborted)."""


class AuthenticationFailed(SourceError):
    """The server refused the credentials: the whole run stops (every request would fail)."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries of one request, the first included
    backoff_seconds: float = 1.0  # first pause; doubles with every retry
    max_wait_seconds: float = 60.0  # no pause longer than this, whatever Retry-After says
    timeout_seconds: float = 60.0  # connect and read timeout of one request

    def pause(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_wait_seconds)
        # A little jitter, so that concurrent requests that failed together do not retry together.
        base = self.backoff_seconds * 2 ** (attempt - 1)
        return min(base * (1 + random.random() / 4), self.max_wait_seconds)


def with_retries(
    action: Callable[[], Result],
    what: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """`action()`, tried up to policy.attempts times; `what` names the request in messages."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return action()
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else 0
            if status in AUTH_STATUSES:
                raise AuthenticationFailed(
                    f"{what}: the server refused the credentials (HTTP {status}); check "
                    "OMOP_IMAGING_DICOMWEB_TOKEN or _USER / _PASSWORD (see harvest --help)"
                ) from None
            reason = f"HTTP {status}"
            if status not in RETRIED_STATUSES:
                raise SourceError(f"{what}: {reason}") from None
            retry_after = _retry_after(error.response)
        except TransientError as error:
            reason = str(error)
            retry_after = None
        except (requests.Timeout, requests.ConnectionError) as error:
            reason = "timed out" if isinstance(error, requests.Timeout) else "connection failed"
            retry_after = None
        except (requests.RequestException, ValueError) as error:
            # A response cut short or not valid JSON: worth another try.
            reason = f"bad response ({type(error).__name__})"
            retry_after = None
        if attempt == policy.attempts:
            break
        sleep(policy.pause(attempt, retry_after))
    raise SourceError(f"{what}: {reason} ({policy.attempts} attempts)")


def _retry_after(response) -> float | None:
    """Retry-After in seconds (a number of seconds or an HTTP date), None when absent or odd."""
    value = (response.headers.get("Retry-After") or "").strip() if response is not None else ""
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
