"""Credentials for a DICOMweb server: a bearer token or a user and password, read from environment
variables or from files they name, never from the command line (which `ps` shows to every user).
The values are sent in the Authorization header and nowhere else: never printed, logged or stored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TOKEN_VARIABLE = "OMOP_IMAGING_DICOMWEB_TOKEN"
TOKEN_FILE_VARIABLE = "OMOP_IMAGING_DICOMWEB_TOKEN_FILE"
USER_VARIABLE = "OMOP_IMAGING_DICOMWEB_USER"
PASSWORD_VARIABLE = "OMOP_IMAGING_DICOMWEB_PASSWORD"
PASSWORD_FILE_VARIABLE = "OMOP_IMAGING_DICOMWEB_PASSWORD_FILE"


class CredentialsError(ValueError):
    """The credential variables are inconsistent or name a file that cannot be read."""


@dataclass(frozen=True)
class Credentials:
    # repr=False: a traceback or a debug print of the object never shows the secret.
    token: str | None = field(default=None, repr=False)
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    def apply(self, session) -> None:
        """Authenticate every request of a requests.Session."""
        if self.token:
            session.headers["Authorization"] = f"Bearer {self.token}"
        elif self.user is not None:
            session.auth = (self.user, self.password or "")


def load_credentials(environ: Mapping[str, str] | None = None) -> Credentials | None:
    """The credentials the environment gives, None when it gives none."""
    environ = os.environ if environ is None else environ
    token = _value(environ, TOKEN_VARIABLE, TOKEN_FILE_VARIABLE)
    user = environ.get(USER_VARIABLE) or None
    password = _value(environ, PASSWORD_VARIABLE, PASSWORD_FILE_VARIABLE)
    if token and (user or password):
        raise CredentialsError(
            f"both a bearer token ({TOKEN_VARIABLE}) and basic auth ({USER_VARIABLE}) are set: "
            "unset one of them"
        )
    if password and not user:
        raise CredentialsError(f"a DICOMweb password is set but no {USER_VARIABLE}")
    if token:
        return Credentials(token=token)
    if user:
        return Credentials(user=user, password=password)
    return None


def check_url_has_no_secret(url: str) -> None:
    """A user or password written into the URL would land in the stored URIs and in messages."""
    if urlsplit(url).username or urlsplit(url).password:
        raise CredentialsError(
            f"the DICOMweb URL holds a user name or password: remove it and set {TOKEN_VARIABLE} "
            f"or {USER_VARIABLE} / {PASSWORD_VARIABLE} instead"
        )


def _value(environ, variable: str, file_variable: str) -> str | None:
    if environ.get(variable):
        return environ[variable].strip()
    path = environ.get(file_variable)
    if not path:
        return None
    try:
        return Path(path).expanduser().read_text().strip() or None
    except OSError as error:
        raise CredentialsError(f"{file_variable}: cannot read {path}: {error.strerror}") from error
