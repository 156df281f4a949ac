"""A deterministic meeting summariser for create_client_note_from_transcript (no model involved)."""

from __future__ import annotations

import html
import re
from typing import Any

DEFAULT_HEADERS = ("Summary", "Action Items", "Participants")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_SPEAKER = re.compile(r"^\s*([^:\n]{1,60}):\s+(.*)$")
_ACTION = re.compile(r"\b(will|action|next|todo|to-do|follow[- ]up|need to|going to)\b", re.I)
_DECISION = re.compile(r"\b(decid\w*|agree\w*|approv\w*|decision)\b", re.I)
_RISK = re.compile(r"\?|\b(risk|concern\w*|issue\w*|problem\w*|blocker\w*)\b", re.I)


def _sentences(transcript: str) -> tuple[list[str], list[str]]:
    """(sentences, speakers) of a transcript; `Name: text` lines name a speaker."""
    sentences: list[str] = []
    speakers: list[str] = []
    for raw_line in transcript.splitlines():
        text = raw_line.strip()
        if not text:
            continue
        m = _SPEAKER.match(text)
        if m:
            name = m.group(1).strip()
            if name not in speakers:
                speakers.append(name)
            text = m.group(2)
        sentences.extend(s.strip() for s in _SENTENCE.split(text) if s.strip())
    return sentences, speakers


def participant_label(item: Any) -> str:
    """`Name <email>`, the email, or the name of a participant entry."""
    if isinstance(item, dict):
        name, email = item.get("name"), item.get("email")
        if name and email:
            return f"{name} <{email}>"
        return str(email or name or "")
    return str(item)


def participant_emails(host_email: str | None, participants: list[Any]) -> list[str]:
    """Every email among the host and the participants, in order."""
    out = [host_email] if host_email else []
    for item in participants:
        email = item.get("email") if isinstance(item, dict) else item
        if isinstance(email, str) and "@" in email:
            out.append(email)
    return out


def _section(header: str, sentences: list[str], people: list[str]) -> list[str]:
    low = header.lower()
    if any(w in low for w in ("participant", "attendee", "who")):
        return people
    if any(w in low for w in ("summary", "overview", "recap")):
        return [" ".join(sentences[:3])] if sentences else []
    if any(w in low for w in ("action", "next", "follow", "todo", "task")):
        return [s for s in sentences if _ACTION.search(s)]
    if "decision" in low:
        return [s for s in sentences if _DECISION.search(s)]
    if any(w in low for w in ("question", "risk", "concern", "issue")):
        return [s for s in sentences if _RISK.search(s)]
    words = [w for w in re.findall(r"\w+", low) if len(w) > 3]
    return [s for s in sentences if any(w in s.lower() for w in words)]


def summarize(
    transcript: str,
    host_email: str | None,
    participants: list[Any],
    headers: list[str] | None,
) -> tuple[str, str, str]:
    """(subject, note HTML, sanitized text): one section per header, built from the sentences."""
    sentences, speakers = _sentences(transcript)
    people: list[str] = []
    for label in (
        [participant_label(p) for p in participants]
        + speakers
        + ([host_email] if host_email else [])
    ):
        if label and label not in people and not any(label in p for p in people):
            people.append(label)
    parts: list[str] = []
    text: list[str] = []
    for header in headers or list(DEFAULT_HEADERS):
        lines = _section(header, sentences, people)
        parts.append(f"<h3>{html.escape(header)}</h3>")
        text.append(header)
        if not lines:
            parts.append("<p>None noted.</p>")
            text.append("None noted.")
        elif len(lines) == 1 and "summary" in header.lower():
            parts.append(f"<p>{html.escape(lines[0])}</p>")
            text.append(lines[0])
        else:
            parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>")
            text.extend(f"- {x}" for x in lines)
        text.append("")
    first = sentences[0] if sentences else "Meeting"
    subject = "Meeting summary: " + (first if len(first) <= 80 else first[:77] + "...")
    return subject, "".join(parts), "\n".join(text).strip()
