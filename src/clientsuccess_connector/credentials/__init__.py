"""Named credentials: several ClientSuccess instances side by side, secrets kept safe.

from clientsuccess_connector.credentials import CredentialStore, check_credential

store = CredentialStore()            # CLIENTSUCCESS_CONFIG_DIR or the user config dir
store.add("sandbox", base_url=url, auth="api-key", secret=key)
store.list()                         # [CredentialInfo(name="sandbox", ...), ...]
check_credential(store.settings("sandbox")).status   # "works", "refused" or "unreachable"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clientsuccess_connector._lazy import lazy_attributes

if TYPE_CHECKING:
    from clientsuccess_connector.credentials.check import check_credential
    from clientsuccess_connector.credentials.model import (
        AUTH_KINDS,
        ENVIRONMENT,
        AuthKind,
        CredentialCheck,
        CredentialInfo,
        SecretLocation,
        validate_name,
        validate_new_name,
    )
    from clientsuccess_connector.credentials.resolve import CREDENTIAL_VARIABLE, resolve_settings
    from clientsuccess_connector.credentials.store import (
        CONFIG_DIR_VARIABLE,
        CredentialStore,
        default_config_dir,
    )

_MODULES = {
    "check_credential": "check",
    "AUTH_KINDS": "model",
    "ENVIRONMENT": "model",
    "AuthKind": "model",
    "CredentialCheck": "model",
    "CredentialInfo": "model",
    "SecretLocation": "model",
    "validate_name": "model",
    "validate_new_name": "model",
    "CREDENTIAL_VARIABLE": "resolve",
    "resolve_settings": "resolve",
    "CONFIG_DIR_VARIABLE": "store",
    "CredentialStore": "store",
    "default_config_dir": "store",
}
# The store loads keyring and the check loads the HTTP client: only for the commands using them.
__getattr__ = lazy_attributes(__name__, _MODULES)

__all__ = [
    "AUTH_KINDS",
    "CONFIG_DIR_VARIABLE",
    "CREDENTIAL_VARIABLE",
    "ENVIRONMENT",
    "AuthKind",
    "CredentialCheck",
    "CredentialInfo",
    "CredentialStore",
    "SecretLocation",
    "check_credential",
    "default_config_dir",
    "resolve_settings",
    "validate_name",
    "validate_new_name",
]
