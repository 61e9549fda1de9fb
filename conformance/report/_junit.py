"""The conformance.junit.xml writer: one testcase per conformance case, from the JSON document.

CI systems read JUnit XML; they know pass, failure, error and skipped. A WARN is a
failure only when the gate counts SHOULD requirements (`--gate=should`); otherwise
it passes, with the verdict and the reason kept as properties and output.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from ..verdicts import plain

__all__ = ["JUNIT_NAME", "render_junit"]

JUNIT_NAME = "conformance.junit.xml"
#: Characters XML 1.0 cannot carry at all, even escaped (a server may send them).
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Control characters as escapes, as in the HTML; then what XML cannot carry at all."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", plain(text, lines=True))


def _testcase(case: dict[str, Any], req: dict[str, Any], gate_mode: str) -> ET.Element:
    nodeid = case["nodeid"]
    # As pytest's own junitxml: the parameters (which may hold "::") stay with the name, and
    # a class joins the module in the classname.
    address, bracket, parameters = nodeid.partition("[")
    path, _, name = address.rpartition("::")
    module, _, within = path.partition("::")
    classname = ".".join(p for p in (module.removesuffix(".py").replace("/", "."), within) if p)
    element = ET.Element(
        "testcase",
        classname=classname.replace("::", "."),
        name=f"{name or address}{bracket}{parameters}",
        time=f"{case.get('duration_s', 0.0):.3f}",
    )
    properties = ET.SubElement(element, "properties")
    for key, value in (("requirement", req["id"]), ("level", req["level"])):
        ET.SubElement(properties, "property", name=key, value=value)
    ET.SubElement(properties, "property", name="verdict", value=case["verdict"])
    verdict, message = case["verdict"], case.get("message", "")
    text = "\n".join(
        part
        for part in (
            message,
            f"Observed: {case['observed']}" if "observed" in case else "",
            f"Expected: {case['expected']}" if "expected" in case else "",
            f"Hint: {case['hint']}" if "hint" in case else "",
            *case.get("steps", []),
        )
        if part
    )
    first_line = message.splitlines()[0] if message else verdict
    warn_fails = verdict == "WARN" and gate_mode == "should" and req["level"] != "INFO"
    if verdict == "FAIL" or warn_fails:
        child = ET.SubElement(element, "failure", message=first_line, type=verdict)
        child.text = f"{req['id']} ({req['level']}): {text}"
    elif verdict == "ERROR":
        child = ET.SubElement(element, "error", message=first_line, type=verdict)
        child.text = text
    elif verdict in ("SKIP", "NOT-COVERED", "BLOCKED"):
        ET.SubElement(element, "skipped", message=first_line)
    elif verdict == "WARN":
        out = ET.SubElement(element, "system-out")
        out.text = f"WARN {req['id']} ({req['level']}): {text}"
    return element


def render_junit(document: dict[str, Any]) -> bytes:
    gate_mode = document.get("gate_mode", "must")
    cases = [
        _testcase(case, req, gate_mode) for req in document["requirements"] for case in req["cases"]
    ]

    def count(tag: str) -> str:
        return str(sum(1 for c in cases if c.find(tag) is not None))

    suite = ET.Element(
        "testsuite",
        name="async-conformance",
        tests=str(len(cases)),
        failures=count("failure"),
        errors=count("error"),
        skipped=count("skipped"),
        time=f"{sum(float(c.get('time', '0')) for c in cases):.3f}",
        timestamp=document.get("started_at", ""),
    )
    properties = ET.SubElement(suite, "properties")
    for key in ("dialect", "clock", "gate", "gate_mode", "aborted"):
        if key in document:
            ET.SubElement(properties, "property", name=key, value=str(document[key]))
    ET.SubElement(properties, "property", name="target", value=document["target"]["url"])
    suite.extend(cases)
    root = ET.Element("testsuites", name="async-conformance", tests=suite.get("tests", "0"))
    for key in ("failures", "errors", "skipped", "time"):
        root.set(key, suite.get(key, "0"))
    root.append(suite)
    for element in root.iter():
        element.attrib = {k: _clean(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _clean(element.text)
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
