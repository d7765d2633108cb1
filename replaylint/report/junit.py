"""JUnit XML: one test suite per file, one failing test case per finding (for CI test-report viewers)."""
from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from ..lazy import LazyRegex
from ..registry import REGISTRY

_INVALID_XML = LazyRegex(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render(result, context) -> str:
    by_file = defaultdict(list)
    for finding in [f for f in result.findings if not f.exempted]:
        by_file[finding.path].append(finding)
    suites = ET.Element("testsuites", name="replaylint", tests=str(sum(map(len, by_file.values())) +
                                                                  len(result.problems)),
                        failures=str(sum(map(len, by_file.values()))), errors=str(len(result.problems)))
    for path, findings in sorted(by_file.items()):
        suite = ET.SubElement(suites, "testsuite", name=_clean(path), tests=str(len(findings)),
                              failures=str(len(findings)))
        for finding in findings:
            rule = REGISTRY.get(finding.code)
            case = ET.SubElement(suite, "testcase", classname=_clean(path),
                                 name=_clean(f"{finding.code} {finding.anchor or ''} line {finding.span.line}".strip()))
            failure = ET.SubElement(case, "failure", type=finding.code, message=_clean(finding.message))
            failure.text = _clean(f"{path}:{finding.span.line}:{finding.span.column}: {finding.code} "
                                  f"{rule.name if rule else ''} [{finding.severity}]\n{finding.message}\nfix: {finding.fix}")
    if result.problems:
        suite = ET.SubElement(suites, "testsuite", name="inputs not analysed", tests=str(len(result.problems)),
                              errors=str(len(result.problems)))
        for problem in result.problems:
            case = ET.SubElement(suite, "testcase", classname=_clean(problem.path), name="analysed")
            error = ET.SubElement(case, "error", message=_clean(problem.message))
            error.text = _clean(f"{problem.path}: {problem.message}")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
