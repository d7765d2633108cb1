"""JUnit XML for CI test-report viewers: one test suite per analysed file. A finding at or above `--fail-on`
is a failing test case; one below it passes and says what it found; a file without findings is one passing
case, so a viewer lists what was checked, not only what failed."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from ..lazy import LazyRegex
from ..registry import REGISTRY

_INVALID_XML = LazyRegex(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _details(finding) -> str:
    rule = REGISTRY.get(finding.code)
    return _clean(f"{finding.path}:{finding.span.line}:{finding.span.column}: {finding.code} "
                  f"{rule.name if rule else ''} [{finding.severity}]\n{finding.message}\nfix: {finding.fix}")


def render(result, context) -> str:
    by_file = {path: [] for path in result.analysed}
    for finding in [f for f in result.findings if not f.exempted]:
        by_file.setdefault(finding.path, []).append(finding)
    fail_on, fails = context.fail_on, result.fails  # the run's fail-on; a service's config may set its files'
    suites = ET.Element("testsuites", name="replaylint")
    tests = failures = 0
    for path, findings in sorted(by_file.items()):
        failing = sum(fails(f, fail_on) for f in findings)
        suite = ET.SubElement(suites, "testsuite", name=_clean(path), tests=str(max(1, len(findings))),
                              failures=str(failing))
        tests, failures = tests + max(1, len(findings)), failures + failing
        if not findings:
            ET.SubElement(suite, "testcase", classname=_clean(path), name="no findings")
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=_clean(path),
                                 name=_clean(f"{finding.code} {finding.anchor or ''} line {finding.span.line}".strip()))
            if fails(finding, fail_on):
                failure = ET.SubElement(case, "failure", type=finding.code, message=_clean(finding.message))
                failure.text = _details(finding)
            else:  # below --fail-on: reported, not failing
                ET.SubElement(case, "system-out").text = _details(finding)
    if result.problems:
        suite = ET.SubElement(suites, "testsuite", name="inputs not analysed", tests=str(len(result.problems)),
                              errors=str(len(result.problems)))
        for problem in result.problems:
            case = ET.SubElement(suite, "testcase", classname=_clean(problem.path), name="analysed")
            error = ET.SubElement(case, "error", message=_clean(problem.message))
            error.text = _clean(f"{problem.path}: {problem.message}")
    suites.set("tests", str(tests + len(result.problems)))
    suites.set("failures", str(failures))
    suites.set("errors", str(len(result.problems)))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
