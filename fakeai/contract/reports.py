"""The verdicts of ``fakeai validate`` written for people and for CI: a table with a summary line,
JSON, JUnit XML (one test case per interaction), GitHub Actions annotations. Each is the same list
of verdicts in the order they were read, so two runs on the same files give the same bytes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

from .validate import NOT_EMULATED, PASSED, REFUSED, VIOLATED, Verdict


def request_line(verdict: Verdict) -> str:
    interaction = verdict.interaction
    query = f"?{interaction.query}" if interaction.query else ""
    host = interaction.host if verdict.outcome == NOT_EMULATED and interaction.host else ""
    return f"{interaction.method} {host}{interaction.path}{query}"


def first_finding(verdict: Verdict) -> str:
    if verdict.problems:
        return verdict.problems[0].describe()
    return verdict.notes[0] if verdict.outcome == NOT_EMULATED and verdict.notes else ""


def summary(verdicts: list[Verdict]) -> str:
    counts = Counter(verdict.outcome for verdict in verdicts)
    files = len({verdict.interaction.file for verdict in verdicts})
    line = (f"{len(verdicts)} interaction{'s' if len(verdicts) != 1 else ''} from {files} file{'s' if files != 1 else ''}: {counts[PASSED]} passed, "
            + (f"{counts[REFUSED]} refused as the API refuses them, " if counts[REFUSED] else "")
            + f"{counts[VIOLATED]} violated the contract, {counts[NOT_EMULATED]} not emulated")
    skipped = Counter(request_line(v) for v in verdicts if v.outcome == NOT_EMULATED)
    if skipped:
        line += " (" + ", ".join(f"{request} x{count}" if count > 1 else request
                                 for request, count in sorted(skipped.items())) + ")"
    return line


def table(verdicts: list[Verdict]) -> str:
    """One row per interaction (source, request, verdict, its first problem), then the summary."""
    rows = [("source", "request", "verdict", "first problem")]
    rows += [(v.interaction.source, request_line(v), v.outcome, first_finding(v)) for v in verdicts]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  " + "-" * len(rows[0][3]))
    return "\n".join(line.rstrip() for line in lines) + "\n\n" + summary(verdicts) + "\n"


def as_json(verdicts: list[Verdict]) -> str:
    counts = Counter(verdict.outcome for verdict in verdicts)
    document = {
        "summary": {"interactions": len(verdicts), "passed": counts[PASSED], "refused": counts[REFUSED],
                    "violated": counts[VIOLATED],
                    "not_emulated": counts[NOT_EMULATED]},
        "interactions": [{
            "source": v.interaction.source, "file": v.interaction.file, "line": v.interaction.line,
            "test": v.interaction.test, "method": v.interaction.method, "host": v.interaction.host,
            "path": v.interaction.path, "query": v.interaction.query, "status": v.interaction.status,
            "operation": v.operation, "verdict": v.outcome,
            "problems": [{"where": p.where, "path": p.path, "message": p.message, "refusal": p.refusal}
                         for p in v.problems],
            "notes": v.notes} for v in verdicts],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def junit_xml(verdicts: list[Verdict]) -> bytes:
    """JUnit XML: a test suite per file, a test case per interaction; a violation is a failure
    carrying its problems, an interaction not emulated is skipped."""
    by_file: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        by_file.setdefault(verdict.interaction.file, []).append(verdict)
    root = ET.Element("testsuites", name="fakeai validate", **counted(verdicts))
    for file, group in by_file.items():
        suite = ET.SubElement(root, "testsuite", name=file, **counted(group))
        for verdict in group:
            interaction = verdict.interaction
            case = ET.SubElement(suite, "testcase", classname=file,
                                 name=f"{interaction.source} {request_line(verdict)}", file=file)
            if interaction.line is not None:
                case.set("line", str(interaction.line))
            if verdict.outcome == VIOLATED:
                first = verdict.problems[0]
                failure = ET.SubElement(case, "failure", message=first.describe(),
                                        type=(first.refusal or {}).get("code") or first.where)
                failure.text = "\n".join([*(problem.describe() for problem in verdict.problems), *verdict.notes])
            elif verdict.outcome == NOT_EMULATED:
                ET.SubElement(case, "skipped", message="; ".join(verdict.notes))
            elif verdict.outcome == REFUSED:
                ET.SubElement(case, "system-out").text = f"{REFUSED}: {verdict.problems[0].describe()}"
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def counted(verdicts: list[Verdict]) -> dict:
    counts = Counter(verdict.outcome for verdict in verdicts)
    return {"tests": str(len(verdicts)), "failures": str(counts[VIOLATED]), "skipped": str(counts[NOT_EMULATED])}


def github_annotations(verdicts: list[Verdict]) -> str:
    """``::error`` workflow commands, one per violating interaction, on its file (and line)."""
    lines = []
    for verdict in verdicts:
        if verdict.outcome != VIOLATED:
            continue
        interaction = verdict.interaction
        properties = {"file": interaction.file}
        if interaction.line is not None:
            properties["line"] = str(interaction.line)
        properties["title"] = f"fakeai validate: {request_line(verdict)} ({interaction.source})"
        message = "\n".join(problem.describe() for problem in verdict.problems)
        lines.append("::error " + ",".join(f"{name}={escape_property(value)}" for name, value in properties.items())
                     + "::" + escape_data(message))
    return "".join(line + "\n" for line in lines)


def escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """GitHub's escaping of a workflow command's property value (also ':' and ',')."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
