"""The endpoint catalogue: every ClientSuccess template as data."""

from clientsuccess_connector.catalog.envelope import SearchEnvelope
from clientsuccess_connector.catalog.loader import catalog, envelope, get_template, settings
from clientsuccess_connector.catalog.model import CatalogSettings, Param, Template

__all__ = [
    "CatalogSettings",
    "Param",
    "SearchEnvelope",
    "Template",
    "catalog",
    "envelope",
    "get_template",
    "settings",
]
