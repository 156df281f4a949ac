"""Churn: while a client pages through a search, records change, appear and disappear."""

from __future__ import annotations

import copy

from clientsuccess_connector.simulator.store import Store

_SKIP = {"custom_fields", "employees"}


def churn(store: Store, resource: str, modify: int, create: int, delete: int = 0) -> None:
    """Touch `modify` random records (new modifiedTime, edited text), clone `create` new ones
    and delete `delete` (never the last record)."""
    if resource in _SKIP:
        return
    with store.lock:
        res = store.resource(resource)
        if not res.records:
            return
        ids = list(res.records)
        rng = store.rng
        for _ in range(modify):
            rid = ids[int(rng.random() * len(ids))]
            rec = dict(res.records[rid])
            if "modifiedTime" not in rec:
                continue
            rec["modifiedTime"] = store.clock.tick()
            for text_field in ("subject", "name", "title", "note"):
                if isinstance(rec.get(text_field), str):
                    rec[text_field] = rec[text_field].removesuffix(" (edited)") + " (edited)"
                    break
            store.put(resource, rec)
        for _ in range(create):
            source = res.records[ids[int(rng.random() * len(ids))]]
            rec = copy.deepcopy(source)
            rec["id"] = store.new_id(resource)
            if "uuid" in rec:
                rec["uuid"] = store.new_uuid()
            now = store.clock.tick()
            for time_field in ("createdTime", "modifiedTime", "createdTimestamp"):
                if time_field in rec:
                    rec[time_field] = now
            store.put(resource, rec)
        for _ in range(min(delete, len(res.records) - 1)):
            live = list(res.records)
            store.delete(resource, live[int(rng.random() * len(live))])
