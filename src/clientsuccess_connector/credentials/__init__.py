"""Named credentials: several ClientSuccess instances side by side, secrets kept safe.

from clientsuccess_connector.credentials import CredentialStore, check_credential

store = CredentialStore()            # CLIENTSUCCESS_CONFIG_DIR or the user config dir
store.add("sandbox", base_url=url, auth="api-key", secret=key)
store.list()                         # [CredentialInfo(name="sandbox", ...), ...]
check_credential(store.settings("sandbox")).status   # "works", "refused" or "unreachable"
"""

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
