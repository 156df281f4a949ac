"""One handler per catalogue template name. A template without one answers 501."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from clientsuccess_connector.simulator import reads, v1, writes
from clientsuccess_connector.simulator.request import Request
from clientsuccess_connector.simulator.responses import Response

if TYPE_CHECKING:
    from clientsuccess_connector.simulator.state import SimulatorState

Handler = Callable[["SimulatorState", Request], Response]


def _search(resource: str) -> Handler:
    return lambda app, req: reads.search(app, req, resource)


def _get(resource: str, param: str, numeric: bool = False) -> Handler:
    return lambda app, req: reads.get_one(app, req, resource, param, numeric)


HANDLERS: dict[str, Handler] = {
    # reads
    "search_pulses": _search("pulses"),
    "get_pulse": _get("pulses", "pulseId"),
    "search_client_notes": _search("client_notes"),
    "get_client_note": _get("client_notes", "id", numeric=True),
    "search_clients": _search("clients"),
    "get_client": _get("clients", "clientId"),
    "get_contact": _get("contacts", "contactId"),
    "search_contacts": _search("contacts"),
    "get_contract": _get("contracts", "contractId", numeric=True),
    "search_contracts": _search("contracts"),
    "search_contract_notes": _search("contract_notes"),
    "search_contract_attachments": _search("contract_attachments"),
    "search_products": _search("products"),
    "list_custom_fields": reads.list_custom_fields,
    # writes
    **writes.HANDLERS,
    # legacy v1 routes seen in real clients
    **v1.HANDLERS,
}
