"""Seeded, deterministic sample data in the v2 record shapes (reference §6).

One `random.Random(seed)` drives everything, so the same (clients, seed) always gives the same
records. Records are plain dicts; JSON bytes are made later, on first read (see store.py).
"""

from __future__ import annotations

import random
import uuid as uuidlib
from typing import Any

from clientsuccess_connector.simulator import vocab
from clientsuccess_connector.simulator.timefmt import fmt_date, fmt_ms

Record = dict[str, Any]

TENANT_ID = 4242
START_MS = 1_609_459_200_000  # 2021-01-01T00:00:00Z
END_MS = 1_751_241_600_000  # 2025-06-30T00:00:00Z
DAY_MS = 86_400_000

ID_BASE = {
    "clients": 10_001,
    "contacts": 2_000_001,
    "contracts": 3_000_001,
    "contract_items": 4_000_001,
    "pulses": 5_000_001,
    "client_notes": 6_000_001,
    "contract_notes": 7_000_001,
    "contract_attachments": 8_000_001,
    "products": 901,
    "employees": 101,
    "custom_fields": 5_001,
}
RESOURCES = (
    "clients", "contacts", "contracts", "pulses", "client_notes", "products",
    "contract_notes", "contract_attachments", "custom_fields", "employees",
)  # fmt: skip

CUSTOM_FIELD_TYPES = ((1, "TEXT"), (2, "NUMBER"), (3, "DATE"), (4, "BOOLEAN"), (5, "PICKLIST"))
# (resourceType, fieldKey, label, typeId, system, required, picklist values)
_CUSTOM_FIELDS: tuple[tuple[str, str, str, int, bool, bool, tuple[str, ...]], ...] = (
    ("CLIENT", "name", "Name", 1, True, True, ()),
    ("CLIENT", "status", "Status", 5, True, True, ("ACTIVE", "INACTIVE", "TRIAL", "TERMINATED")),
    ("CLIENT", "Next_Renewal_Date__cs", "Next Renewal Date", 3, False, False, ()),
    ("CLIENT", "attended_user_webinar__cs", "Attended user webinar", 4, False, False, ()),
    ("CLIENT", "Segment__cs", "Segment", 5, False, True, ("SMB", "Mid-Market", "Enterprise", "Stratégique")),  # noqa: E501
    ("CLIENT", "Seats__cs", "Seats", 2, False, False, ()),
    ("CLIENT", "Health_Notes__cs", "Health notes", 1, False, False, ()),
    ("CONTACT", "email", "Email", 1, True, True, ()),
    ("CONTACT", "Preferred_Language__cs", "Preferred language", 5, False, False, ("English", "Français", "日本語", "Português")),  # noqa: E501
    ("CONTACT", "Birthday__cs", "Birthday", 3, False, False, ()),
    ("CONTACT", "Newsletter__cs", "Newsletter opt-in", 4, False, False, ()),
    ("CONTRACT", "PO_Number__cs", "PO number", 1, False, False, ()),
    ("CONTRACT", "Discount_Pct__cs", "Discount %", 2, False, False, ()),
    ("CONTRACT_ITEM", "Cost_Center__cs", "Cost center", 1, False, False, ()),
    ("CONTRACT_PRODUCT", "Product_Line__cs", "Product line", 5, False, False, ("Core", "Add-on", "Services")),  # noqa: E501
    ("EMPLOYEE", "Team__cs", "Team", 5, False, False, ("EMEA", "AMER", "APAC")),
    ("SUBSCRIPTION", "Plan__cs", "Plan", 1, False, False, ()),
    ("CLIENT_NOTE", "Sentiment__cs", "Sentiment", 5, False, False, ("Positive", "Neutral", "Négatif")),  # noqa: E501
    ("CLIENT_DISPOSITION_ACTIVITY", "Pulse_Source__cs", "Pulse source", 1, False, False, ()),
    ("ENGAGEMENT_MEETING", "Meeting_Type__cs", "Meeting type", 5, False, False, ("QBR", "Kick-off", "Sync")),  # noqa: E501
    ("SURVEY_RESPONSE", "Survey_Channel__cs", "Survey channel", 1, False, False, ()),
    ("GOAL", "Goal_Owner__cs", "Goal owner", 1, False, False, ()),
)  # fmt: skip


def _uuid(rng: random.Random) -> str:
    return str(uuidlib.UUID(int=rng.getrandbits(128), version=4))


def _employees(rng: random.Random) -> list[Record]:
    out: list[Record] = []
    for i in range(15):
        eid = ID_BASE["employees"] + i
        first = vocab.FIRST_NAMES[(i * 7) % len(vocab.FIRST_NAMES)]
        last = vocab.LAST_NAMES[(i * 5) % len(vocab.LAST_NAMES)]
        out.append(
            {
                "id": eid,
                "firstname": first,
                "lastname": last,
                "name": f"{first} {last}",
                "email": f"csm{i + 1}@vendor.example.com",
                "reportTo": None if i < 3 else ID_BASE["employees"] + (i % 3),
                "picture": None if i % 4 == 0 else f"https://cdn.example.com/avatars/{eid}.png",
                "externalSystems": {"HUBSPOT": f"hs-{eid}"} if i % 2 else {},
            }
        )
    return out


def employee_ref(emp: Record | None) -> Record | None:
    """The nested EmployeeRef form of an employee (a fresh dict)."""
    if emp is None:
        return None
    keys = (
        "id",
        "firstname",
        "lastname",
        "name",
        "email",
        "reportTo",
        "picture",
        "externalSystems",
    )
    return {k: emp[k] for k in keys}


def _custom_fields() -> list[Record]:
    out: list[Record] = []
    for seq, (rtype, key, label, type_id, system, required, picks) in enumerate(_CUSTOM_FIELDS):
        fid = ID_BASE["custom_fields"] + seq
        out.append(
            {
                "fieldId": fid,
                "fieldKey": key,
                "fieldLabel": label,
                "fieldName": key.removesuffix("__cs"),
                "fieldTypeId": type_id,
                "fieldTypeName": CUSTOM_FIELD_TYPES[type_id - 1][1],
                "enum": bool(picks),
                "placeholder": False,
                "required": required,
                "requiredEditable": not system,
                "system": system,
                "sequence": seq,
                "resourceType": rtype,
                "picklistValues": [
                    {
                        "id": fid * 10 + j,
                        "customFieldId": fid,
                        "label": value,
                        "value": value,
                        "default": j == 0,
                        "archived": False,
                        "usageCount": (fid * 7 + j * 13) % 50,
                    }
                    for j, value in enumerate(picks)
                ],
            }
        )
    return out


def _products(rng: random.Random) -> list[Record]:
    out: list[Record] = []
    for i, (name, sku) in enumerate(vocab.PRODUCTS):
        created = START_MS + int(rng.random() * 200 * DAY_MS)
        out.append(
            {
                "id": ID_BASE["products"] + i,
                "uuid": _uuid(rng),
                "tenantId": TENANT_ID,
                "name": name,
                "description": None if i % 5 == 4 else f"{name} — the “{sku}” SKU & friends",
                "sku": sku,
                "active": i % 7 != 6,
                "recurring": i % 3 != 2,
                "isPulse": i % 4 == 0,
                "contractUsageCount": int(rng.random() * 400),
                "subscriptionUsageCount": int(rng.random() * 100),
                "productPulseUsageCount": int(rng.random() * 50),
                "createdTime": fmt_ms(created),
                "modifiedTime": fmt_ms(created + int(rng.random() * (END_MS - created))),
            }
        )
    return out


class _Gen:
    """Builds every resource for `clients` clients from one seeded RNG."""

    def __init__(self, clients: int, seed: int) -> None:
        self.n = clients
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.out: dict[str, list[Record]] = {name: [] for name in RESOURCES}
        self.next_id = dict(ID_BASE)

    def new_id(self, resource: str) -> int:
        value = self.next_id[resource]
        self.next_id[resource] = value + 1
        return value

    def pick(self, seq: tuple[Any, ...]) -> Any:
        return seq[int(self.r() * len(seq))]

    def span(self, lo: int, hi: int) -> int:
        return lo + int(self.r() * max(hi - lo, 1))

    def run(self) -> dict[str, list[Record]]:
        self.employees = _employees(self.rng)
        self.emp_refs = [employee_ref(e) for e in self.employees]
        self.out["employees"] = self.employees
        self.out["custom_fields"] = _custom_fields()
        self.out["products"] = _products(self.rng)
        for i in range(self.n):
            self.client(i)
        return self.out

    def client(self, i: int) -> None:
        r, pick = self.r, self.pick
        cid = self.new_id("clients")
        created = self.span(START_MS, END_MS - 60 * DAY_MS)
        status = pick(vocab.CLIENT_STATUSES)
        city, state, country, zip_code, tz = pick(vocab.CITIES)
        name = f"{pick(vocab.COMPANY_A)} {pick(vocab.COMPANY_B)}"
        csm = int(r() * 15)
        rep = int(r() * 15)
        slug = f"c{cid}"
        client: Record = {
            "id": cid,
            "uuid": _uuid(self.rng),
            "tenantId": TENANT_ID,
            "name": name,
            "siteUrl": None if i % 9 == 0 else f'https://{slug}.example.com/?a=1&b="x"',
            "logoUrl": None,
            "status": status,
            "active": status in ("ACTIVE", "TRIAL"),
            "successScore": None if i % 11 == 0 else round(r() * 100, 1),
            "activeClientSuccessCycleId": 100 + int(r() * 5),
            "inceptionDate": fmt_date(created),
            "terminatedDate": fmt_date(created + 400 * DAY_MS) if status == "TERMINATED" else None,
            "assignedSalesRep": self.employees[rep]["name"],
            "assignedSalesRepAssociation": self.emp_refs[rep],
            "managedByEmployeeId": self.employees[csm]["id"],
            "managedByEmployee": self.emp_refs[csm],
            "createdByEmployeeId": self.employees[0]["id"],
            "modifiedByEmployeeId": self.employees[csm]["id"],
            "createdTime": fmt_ms(created),
            "modifiedTime": "",
            "street": pick(vocab.STREETS),
            "city": city,
            "state": state,
            "zip": zip_code,
            "country": country,
            "regionId": None if country is None else 1 + (i % 4),
            "timezone": tz,
            "externalId": f"EXT-{cid}" if i % 3 else None,
            "salesforceAccountId": f"001{cid:015d}" if i % 2 else None,
            "zendeskId": None,
            "usageId": f"usage-{cid}" if i % 4 == 0 else None,
            "stripeId": f"cus_{cid:x}" if i % 5 == 0 else None,
            "npsScore": None if i % 3 == 0 else int(r() * 200) - 100,
            "note": None if i % 2 else f"<p>Key account &amp; “{name}”</p>",
            "entityType": "CLIENT",
            "clientType": {
                "id": 1 + i % 3,
                "title": ("Standard", "Premium", "Partner")[i % 3],
                "key": None,
            },
            "primaryContact": None,
            "segment": None,
            "lastTouchDateTime": None,
            "lastTouchType": None,
            "externalSystems": {"SALESFORCE": f"001{cid:015d}"} if i % 2 else {},
            "custom": {
                "Next_Renewal_Date__cs": fmt_date(created + 365 * DAY_MS),
                "attended_user_webinar__cs": bool(i % 2),
                "Segment__cs": ("SMB", "Mid-Market", "Enterprise", "Stratégique")[i % 4],
                "Seats__cs": 5 + int(r() * 500),
                "Health_Notes__cs": None if i % 3 else "Très bien 👍 — “renewing”",
            },
        }
        last_mod = self.span(created, END_MS)
        client["modifiedTime"] = fmt_ms(last_mod)
        self.out["clients"].append(client)
        contacts = [self.contact(client, created) for _ in range(1 + int(r() * 7))]
        first = contacts[0]
        client["primaryContact"] = {
            "id": first["id"], "firstname": first["firstName"], "lastname": first["lastName"]
        }  # fmt: skip
        prev: Record | None = None
        for _ in range(pick((0, 1, 1, 2, 2, 3))):
            prev = self.contract(client, created, prev)
        for _ in range(int(r() * 11)):
            self.pulse(client, created)
        for _ in range(int(r() * 17)):
            self.client_note(client, created)

    def contact(self, client: Record, after: int) -> Record:
        r, pick = self.r, self.pick
        cid = self.new_id("contacts")
        created = self.span(after, END_MS)
        first, last = pick(vocab.FIRST_NAMES), pick(vocab.LAST_NAMES)
        city, state, country, zip_code, tz = pick(vocab.CITIES)
        engagements = int(r() * 40)
        rec: Record = {
            "id": cid,
            "uuid": _uuid(self.rng),
            "tenantId": TENANT_ID,
            "tenantClientId": client["id"],
            "tenantClient": {
                "id": client["id"],
                "uuid": client["uuid"],
                "name": client["name"],
                "status": client["status"],
            },
            "status": "ACTIVE" if r() < 0.9 else "INACTIVE",
            "firstName": first,
            "lastName": last,
            "title": pick(vocab.TITLES),
            "email": f"contact{cid}@{client['id']}.example.com",
            "phone": None if cid % 3 == 0 else f"+1 555 {cid % 10000:04d}",
            "mobile": None,
            "salesforceId": f"003{cid:015d}" if cid % 2 else None,
            "linkedinUrl": None,
            "advocate": r() < 0.2,
            "champion": r() < 0.2,
            "executiveSponsor": r() < 0.1,
            "starred": False,
            "keyContact": r() < 0.25,
            "street": None,
            "city": city,
            "state": state,
            "zip": zip_code,
            "country": country,
            "timezone": tz,
            "notes": None if cid % 4 else "Prefers e-mail & short calls; “no Fridays”.",
            "externalId": None,
            "createdTime": fmt_ms(created),
            "modifiedTime": fmt_ms(self.span(created, END_MS)),
            "engagementCount": engagements,
            "lastEngagementDate": fmt_ms(self.span(created, END_MS)) if engagements else None,
            "entityType": "CONTACT",
            "engagements": [
                {
                    "interactionTypeId": 2,
                    "interactionCount": engagements,
                    "lastInteractionDate": None,
                    "engagementCount": engagements,
                    "lastEngagementDate": None,
                }
            ]
            if engagements
            else [],
            "npsResult": None,
            "externalSystems": {"HUBSPOT": str(cid)} if cid % 3 == 1 else {},
            "custom": {
                "Preferred_Language__cs": ("English", "Français", "日本語", "Português")[cid % 4],
                "Birthday__cs": None,
                "Newsletter__cs": bool(cid % 2),
            },
        }
        self.out["contacts"].append(rec)
        return rec

    def item(self, contract_id: int, line: int, start: int, months: int, created: int) -> Record:
        r = self.r
        name, sku = self.pick(vocab.PRODUCTS)
        qty = 1 + int(r() * 20)
        price = round(10 + r() * 990, 2)
        total = round(qty * price, 2)
        recurring = r() < 0.8
        arr = total if recurring else 0
        return {
            "id": self.new_id("contract_items"),
            "uuid": _uuid(self.rng),
            "tenantId": TENANT_ID,
            "tenantContractId": contract_id,
            "lineNumber": line,
            "productCode": sku,
            "description": name,
            "quantity": qty,
            "pricePer": price,
            "total": total,
            "recurring": recurring,
            "termStartDate": fmt_date(start),
            "termEndDate": fmt_date(start + months * 30 * DAY_MS),
            "termLengthDays": months * 30,
            "termLengthMonths": months,
            "arr": arr,
            "mrr": round(arr / 12, 2),
            "assignedArr": arr,
            "assignedMrr": round(arr / 12, 2),
            "externalId": None,
            "externalSystems": {},
            "createdTime": fmt_ms(created),
            "modifiedTime": fmt_ms(created),
        }

    def contract(self, client: Record, after: int, prev: Record | None) -> Record:
        r = self.r
        kid = self.new_id("contracts")
        created = self.span(after, END_MS)
        months = self.pick((12, 12, 24, 36))
        items = [self.item(kid, n + 1, created, months, created) for n in range(1 + int(r() * 4))]
        total = round(sum(i["total"] for i in items), 2)
        arr = round(sum(i["arr"] for i in items), 2)
        booker = self.emp_refs[int(r() * 15)]
        rec: Record = {
            "id": kid,
            "uuid": _uuid(self.rng),
            "tenantId": TENANT_ID,
            "tenantClientId": client["id"],
            "client": {"id": client["id"], "status": client["status"]},
            "name": f"{client['name']} — {months} mo",
            "description": None if kid % 2 else "Renewal with uplift & new seats",
            "note": None,
            "bookingDate": fmt_date(created),
            "probability": self.pick((None, 50, 90, 100)),
            "currency": self.pick(vocab.CURRENCIES),
            "arr": arr,
            "mrr": round(arr / 12, 2),
            "acv": arr,
            "tcv": round(total * months / 12, 2),
            "total": total,
            "otr": round(total - arr, 2),
            "assignedArr": arr,
            "assignedMrr": round(arr / 12, 2),
            "recurring": arr > 0,
            "autoRenew": r() < 0.5,
            "termStartDate": fmt_date(created),
            "termEndDate": fmt_date(created + months * 30 * DAY_MS),
            "termLengthDays": months * 30,
            "termLengthMonths": months,
            "terminatedDate": None,
            "terminatedEffectiveDate": None,
            "externalId": f"OPP-{kid}" if kid % 2 else None,
            "externalSystems": {"SALESFORCE": f"006{kid:015d}"} if kid % 2 else {},
            "createdByEmployeeId": booker["id"] if booker else None,
            "modifiedByEmployeeId": None,
            "createdTime": fmt_ms(created),
            "modifiedTime": fmt_ms(self.span(created, END_MS)),
            "bookedByEmployee": booker,
            "terminatedByEmployee": None,
            "meta": {
                "id": kid,
                "type": "CONTRACT",
                "status": "BOOKED",
                "currentStatus": "ACTIVE",
                "externalSystems": {},
            },
            "renews": contract_ref(prev),
            "renewedBy": None,
            "adjusts": None,
            "adjustedBy": [],
            "items": items,
            "attachmentCount": 0,
            "stage": {"label": "Closed Won"},
            "custom": {"PO_Number__cs": f"PO-{kid}" if kid % 3 == 0 else None},
        }
        self.out["contracts"].append(rec)
        for _ in range(int(r() * 4)):
            self.contract_note(rec, created)
        n_att = int(r() * 3)
        for _ in range(n_att):
            self.attachment(rec, created)
        rec["attachmentCount"] = n_att
        return rec

    def pulse(self, client: Record, after: int) -> None:
        r = self.r
        level = int(r() * 6)
        created = self.span(after, END_MS)
        start = round(r() * 100, 1)
        current = round(max(0.0, min(100.0, start + (r() - 0.5) * 30)), 1)
        reasons = []
        if level >= 3:
            for k in range(1 + int(r() * 3)):
                rid, cat, cat_name, desc, name = vocab.REASONS[(level + k) % len(vocab.REASONS)]
                reasons.append({"id": rid, "categoryId": cat, "categoryName": cat_name,
                                "description": desc, "name": name, "reasonFactor": -1,
                                "sequence": k})  # fmt: skip
        note = self.pick(vocab.NOTE_BODIES)[1]
        self.out["pulses"].append(
            {
                "id": self.new_id("pulses"),
                "uuid": _uuid(self.rng),
                "clientId": client["id"],
                "tenantId": TENANT_ID,
                "note": note,
                "nextSteps": None if level < 3 else "Schedule an exec call & review usage.",
                "subject": self.pick(vocab.SUBJECTS),
                "dispositionType": vocab.DISPOSITIONS[level],
                "dispositionId": level + 1,
                "startingScore": start,
                "currentScore": current,
                "totalScoreChange": round(current - start, 1),
                "lastScoreChange": round(current - start, 1),
                "createdByEmployeeId": self.employees[int(r() * 15)]["id"],
                "createdTimestamp": fmt_ms(created),
                "productId": None if r() < 0.7 else ID_BASE["products"] + int(r() * 20),
                "batchUpdateTimestamp": None,
                "reasonCodes": reasons,
            }
        )

    def _note_fields(self, after: int) -> Record:
        r = self.r
        html, text = self.pick(vocab.NOTE_BODIES)
        created = self.span(after, END_MS)
        author = self.employees[int(r() * 15)]
        ext = r() < 0.3
        nid = self.next_id["client_notes"]
        return {
            "subject": self.pick(vocab.SUBJECTS),
            "note": html,
            "sanitizedNote": text,
            "author": author["name"],
            "createdByEmployeeId": author["id"],
            "interactionTypeId": 1 + int(r() * 8),
            "createdTime": fmt_ms(created),
            "modifiedTime": fmt_ms(self.span(created, END_MS)),
            "filePath": None,
            "sourceId": None,
            "threadId": f"thread-{int(r() * 1e9):09d}" if r() < 0.2 else None,
            "properties": {"source": "gmail", "labels": ["QBR", "é"]} if r() < 0.2 else None,
            "tenantId": TENANT_ID,
            "externalSystem": "SALESFORCE" if ext else None,
            "externalSystemId": f"00T{nid:015d}" if ext else None,
            "accountExternalSystemId": None,
        }

    def client_note(self, client: Record, after: int) -> None:
        rec: Record = {"id": self.new_id("client_notes"), "clientId": client["id"]}
        rec.update(self._note_fields(after))
        self.out["client_notes"].append(rec)

    def contract_note(self, contract: Record, after: int) -> None:
        rec: Record = {
            "id": self.new_id("contract_notes"),
            "uuid": _uuid(self.rng),
            "tenantContractId": contract["id"],
        }
        rec.update(self._note_fields(after))
        self.out["contract_notes"].append(rec)

    def attachment(self, contract: Record, after: int) -> None:
        ext, ctype = self.pick(vocab.FILE_TYPES)
        aid = self.new_id("contract_attachments")
        name = self.pick(("Order form", "MSA signé", "契約書", "SOW & pricing", "Invoice"))
        self.out["contract_attachments"].append(
            {
                "id": aid,
                "uuid": _uuid(self.rng),
                "tenantContractId": contract["id"],
                "fileName": f"{name} {aid}.{ext}",
                "filePath": f"/contracts/{contract['id']}/{aid}.{ext}",
                "contentType": ctype,
                "size": 1024 + int(self.r() * 5_000_000),
                "createdByEmployeeId": self.employees[int(self.r() * 15)]["id"],
                "createdTime": fmt_ms(self.span(after, END_MS)),
            }
        )


def contract_ref(contract: Record | None) -> Record | None:
    """The ContractRef form of a contract."""
    if contract is None:
        return None
    keys = ("id", "uuid", "name", "tcv", "arr", "bookingDate", "termStartDate", "termEndDate")
    return {k: contract.get(k) for k in keys}


def generate(clients: int, seed: int) -> tuple[dict[str, list[Record]], dict[str, int]]:
    """Every resource's records for `clients` clients, plus the next free id of each resource.

    The records are as drawn; `health.shape` (which builds on this module) gives them trends."""
    gen = _Gen(clients, seed)
    out = gen.run()
    return out, gen.next_id


def new_uuid(rng: random.Random) -> str:
    """A UUID4 string drawn from `rng` (deterministic for a seeded RNG)."""
    return _uuid(rng)
