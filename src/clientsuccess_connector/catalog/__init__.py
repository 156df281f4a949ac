"""The endpoint catalogue: every ClientSuccess template as data."""

from clientsuccess_connector.catalog.loader import catalog, get_template, settings
from clientsuccess_connector.catalog.model import CatalogSettings, Param, Template

__all__ = ["CatalogSettings", "Param", "Template", "catalog", "get_template", "settings"]
