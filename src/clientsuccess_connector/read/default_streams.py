"""The default streams `sync` reads when there is no flow file."""

from __future__ import annotations

from clientsuccess_connector.read.endpoint import SourceSpec

DEFAULT_STREAMS: dict[str, str] = {
    "clients": "search_clients",
    "contacts": "search_contacts",
    "contracts": "search_contracts",
    "pulses": "search_pulses",
    "client_notes": "search_client_notes",
    "products": "search_products",
}


def default_sources() -> dict[str, SourceSpec]:
    """One source per default stream, named after its table."""
    return {name: SourceSpec(name=name, template=tpl) for name, tpl in DEFAULT_STREAMS.items()}
