"""The diagram contract: every diagram id, form key, message and task-data name that Python relies on, declared
once by the module that relies on it and checked whenever a bundle is validated (deploying from files, from the
browser, and `flask workflows validate`). A version that renames or removes one is refused with a message naming
the module, instead of a flag, a list or a page going silently empty.

A module declares what it needs and keeps the name it gets back:

    NEEDS = DiagramNeeds(__name__)
    REFERRAL_STEP = NEEDS.element("section17", "record_referral", "opens a new case on its referral step")

and webapp/wiring.py lists every module's NEEDS in the contract table."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from lxml import etree

from webapp.workflow.bundles import CAMUNDA_FORM_KEY, Bundle
from webapp.workflow.xml import NSMAP, UnsafeXml, parse_diagram

KINDS = {
    "process": "the process",
    "element": "the element",
    "form": "the form key",
    "message": "the message",
    "data": "the task-data name",
}


@dataclass(frozen=True)
class Reliance:
    """`module` relies on `kind` `name` in process `process_id` (for `why`)."""

    process_id: str
    kind: str
    name: str
    module: str
    why: str = ""

    def refusal(self) -> str:
        purpose = f" ({self.why})" if self.why else ""
        return (f"{KINDS[self.kind]} {self.name!r} is missing from process {self.process_id!r}: {self.module} "
                f"relies on it{purpose}. Keep it, or change that module first.")


@dataclass
class DiagramNeeds:
    """One module's reliances; each declaring call returns the name, for the module to use as its constant."""

    module: str
    reliances: list[Reliance] = field(default_factory=list)

    def _needs(self, process_id: str, kind: str, name: str, why: str) -> str:
        self.reliances.append(Reliance(process_id, kind, name, self.module, why))
        return name

    def process(self, calling_process: str, process_id: str, why: str = "") -> str:
        """`calling_process`'s bundle must include `process_id` (it calls it)."""
        return self._needs(calling_process, "process", process_id, why)

    def element(self, process_id: str, element_id: str, why: str = "") -> str:
        return self._needs(process_id, "element", element_id, why)

    def form(self, process_id: str, form_key: str, why: str = "") -> str:
        return self._needs(process_id, "form", form_key, why)

    def message(self, process_id: str, message_name: str, why: str = "") -> str:
        return self._needs(process_id, "message", message_name, why)

    def data(self, process_id: str, name: str, why: str = "") -> str:
        return self._needs(process_id, "data", name, why)


def contract_table(*needs: DiagramNeeds) -> tuple[Reliance, ...]:
    return tuple(reliance for module in needs for reliance in module.reliances)


@dataclass
class _Process:
    file: str
    element_ids: set[str]
    form_keys: set[str]
    messages: set[str]  # names of the messages its events wait for or throw
    words: set[str]  # every name-like word of its XML and its forms, for task-data names


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _processes(bundle: Bundle) -> dict[str, _Process]:
    found = {}
    for file, text in bundle.diagrams.items():
        try:
            root = parse_diagram(text.encode())
        except (UnsafeXml, etree.XMLSyntaxError):
            continue  # the validator reports it
        message_names = {message.get("id"): message.get("name") or message.get("id")
                         for message in root.iterfind("bpmn:message", NSMAP)}
        for process in root.iterfind("bpmn:process", NSMAP):
            form_keys = {task.get(CAMUNDA_FORM_KEY) for task in process.iterfind(".//bpmn:userTask", NSMAP)
                         if task.get(CAMUNDA_FORM_KEY)}
            forms = " ".join(json.dumps(bundle.forms[key]) for key in form_keys if key in bundle.forms)
            found[process.get("id")] = _Process(
                file=file,
                element_ids={element.get("id") for element in process.iter() if element.get("id")},
                form_keys=form_keys,
                messages={message_names.get(definition.get("messageRef"), definition.get("messageRef"))
                          for definition in process.iterfind(".//bpmn:messageEventDefinition", NSMAP)},
                words=set(_WORD.findall(etree.tostring(process, encoding="unicode") + " " + forms)),
            )
    return found


def _holds(process: _Process, bundle: Bundle, processes: dict[str, _Process], reliance: Reliance) -> bool:
    if reliance.kind == "process":
        return reliance.name in processes
    if reliance.kind == "element":
        return reliance.name in process.element_ids
    if reliance.kind == "form":
        return reliance.name in process.form_keys and reliance.name in bundle.forms
    if reliance.kind == "message":
        return reliance.name in process.messages
    return reliance.name in process.words


def broken_reliances(bundle: Bundle, contract: tuple[Reliance, ...]) -> list[tuple[str, Reliance]]:
    """(file, reliance) for each reliance on a process of this bundle that the bundle no longer meets. A
    reliance on a process the bundle does not hold is another bundle's business."""
    processes = _processes(bundle)
    return [(processes[reliance.process_id].file, reliance) for reliance in contract
            if reliance.process_id in processes
            and not _holds(processes[reliance.process_id], bundle, processes, reliance)]
