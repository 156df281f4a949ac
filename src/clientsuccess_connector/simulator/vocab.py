"""Word pools for the data generator: full of accents, CJK, emoji, quotes and ampersands."""

from __future__ import annotations

FIRST_NAMES = (
    "Zoë", "José", "Chloé", "Søren", "Renée", "François", "Małgorzata", "Nguyễn", "Ólafur", "Aiko",
    "Émile", "Björn", "İlkay", "Siobhán", "Łukasz", "Anaïs", "Dmitri", "Priya", "Kwame", "Mei",
    "Ana", "John", "Sarah", "David", "Olivia", "Mohammed", "Fatima", "Liam", "Emma", "Noah",
    "太郎", "美咲", "伟", "秀英", "민준", "Ximena", "Juan Pablo", "Mary-Kate", "O'Brien", "Zoë 🌟",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "García", "Núñez", "O'Connor", "Øvergaard", "Kowalczyk", "Dvořák", "Lefèvre",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Taylor", "Nakamura", "佐藤", "王", "김",
    "Ångström", "Çelik", "Schrödinger", "D'Angelo", "van der Berg", "Silva", "Patel", "Okafor",
    "Ivanova", "Haddad", "Rossi", "Dubois",
)  # fmt: skip
COMPANY_A = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Café Müller", "Søndergaard & Søn",
    "北京科技", "Ñandú", "Zürich", "Blue Óak", "Rocket 🚀", "Stark", "Wayne", "Tyrell", "Vandelay",
    "東京データ", "L'Atelier", "Crème", "Nordlys", "Δelta", "Große", "Smith & Wesson", "\"Quoted\"",
)  # fmt: skip
COMPANY_B = (
    "Labs", "Industries", "GmbH", "S.A.", "Holdings", "Analytics", "Logistics", "株式会社",
    "Software", "& Co.", "Health", "Foods", "Systems", "Ventures", "Group", "AB", "Ltd.", "Inc.",
)  # fmt: skip
CITIES = (
    ("Paris", "Île-de-France", "France", "75001", "Europe/Paris"),
    ("São Paulo", "SP", "Brazil", "01000-000", "America/Sao_Paulo"),
    ("München", "Bayern", "Germany", "80331", "Europe/Berlin"),
    ("東京", "東京都", "Japan", "100-0001", "Asia/Tokyo"),
    ("New York", "NY", "United States", "10001", "America/New_York"),
    ("San Francisco", "CA", "United States", "94105", "America/Los_Angeles"),
    ("Reykjavík", None, "Iceland", "101", "Atlantic/Reykjavik"),
    ("Kraków", "Małopolskie", "Poland", "30-001", "Europe/Warsaw"),
    ("Lagos", "Lagos", "Nigeria", None, "Africa/Lagos"),
    ("Sydney", "NSW", "Australia", "2000", "Australia/Sydney"),
    ("Toronto", "ON", "Canada", "M5H 2N2", "America/Toronto"),
    (None, None, None, None, None),
)  # fmt: skip
STREETS = ("1 Rue de la Paix", "221B Baker St", "Hauptstraße 5", "742 Evergreen Terrace",
           "1-1 Chiyoda", "Av. Paulista, 1000", None)  # fmt: skip
TITLES = ("CEO", "CTO", "VP Customer Success", "Head of Ops", "Directeur Général", "Engineer",
          "Product Manager", "Procurement", "エンジニア", None)  # fmt: skip
SUBJECTS = (
    "Quarterly business review", "Renewal & pricing", "Kick-off call", "Support escalation",
    "Onboarding — week 2", "Feature request: \"bulk export\"", "Réunion de suivi", "QBR 🚀",
    "Check-in", "打ち合わせ", "Churn risk <urgent>", "Upsell discussion", None,
)  # fmt: skip
NOTE_BODIES = (
    ("Discussed the <b>renewal</b> &amp; pricing with the team.",
     "Discussed the renewal & pricing with the team."),
    ("Customer said: &quot;we love the new dashboard&quot; 👍",
     "Customer said: \"we love the new dashboard\" 👍"),
    ("<ul><li>Export bug</li><li>SSO &lt;SAML&gt; setup</li></ul>", "Export bug\nSSO <SAML> setup"),
    ("Rendez-vous à Zürich; l'équipe est très satisfaite.",
     "Rendez-vous à Zürich; l'équipe est très satisfaite."),
    ("<p>Next steps: send the proposal by Friday.</p>", "Next steps: send the proposal by Friday."),
    ("<p>Usage dropped 30% &mdash; schedule a call.</p>", "Usage dropped 30% — schedule a call."),
    ("<p>会議のメモ: 契約更新について話しました。</p>", "会議のメモ: 契約更新について話しました。"),
    ("<p>Champion left the company. Need a new sponsor.</p>",
     "Champion left the company. Need a new sponsor."),
)  # fmt: skip
DISPOSITIONS = ("EXTREMELY_SATISFIED", "VERY_SATISFIED", "FAIRLY_SATISFIED", "SOME_RISK",
                "HIGH_RISK", "SEVERE_RISK")  # fmt: skip
REASONS = (
    (1, 10, "Product", "Missing features", "Feature gap"),
    (2, 10, "Product", "Bugs & stability", "Quality"),
    (3, 20, "Relationship", "Champion left", "Champion change"),
    (4, 20, "Relationship", "Executive sponsor engaged", "Exec engagement"),
    (5, 30, "Commercial", "Budget cuts", "Budget"),
    (6, 30, "Commercial", "Price increase", "Pricing"),
)  # fmt: skip
PRODUCTS = (
    ("Core Platform", "CORE"), ("Analytics Add-on", "ANLY"), ("Premium Support", "SUPP"),
    ("SSO & SCIM", "SSO"), ("Onboarding Package", "ONB"), ("Données+ (EU hosting)", "EUH"),
    ("API Access", "API"), ("Training — Half Day", "TRN"), ("Sandbox", "SBX"),
    ("Mobile App", "MOB"), ("Workflow Automation", "WFA"), ("Data Warehouse Sync", "DWS"),
    ("AI Insights ✨", "AIX"), ("Health Scores", "HLT"), ("Custom Reports", "RPT"),
    ("Priority Queue", "PRQ"), ("Extra Seats (10)", "SEAT10"), ("Audit Log", "AUD"),
    ("Professional Services", "PS"), ("日本語サポート", "JPS"),
)  # fmt: skip
CURRENCIES = ("USD", "USD", "USD", "EUR", "GBP", "JPY", "BRL")
EXTERNAL_SYSTEMS = ("SALESFORCE", "HUBSPOT", "INTERCOM", "ZOHOCRM", "PIPEDRIVE", "FRESHDESK")
CLIENT_STATUSES = ("ACTIVE", "ACTIVE", "ACTIVE", "TRIAL", "INACTIVE", "TERMINATED")
FILE_TYPES = (("pdf", "application/pdf"), ("docx", "application/vnd.openxmlformats-officedocument"
              ".wordprocessingml.document"), ("png", "image/png"), ("csv", "text/csv"))  # fmt: skip
