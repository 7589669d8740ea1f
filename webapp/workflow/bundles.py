"""Bundles: a root process with every process it calls and their forms, identified by the hash of it all."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from webapp.workflow.xml import NSMAP, UnsafeXml, parse_diagram

CAMUNDA_FORM_KEY = f"{{{NSMAP['camunda']}}}formKey"


@dataclass
class Bundle:
    root_process_id: str
    root_process_name: str
    diagrams: dict[str, str]  # file name -> XML text
    forms: dict[str, dict]  # form key -> JSON Schema

    @property
    def hash(self) -> str:
        """SHA-256 over the root id, every diagram and every form, in a stable order."""
        digest = hashlib.sha256(self.root_process_id.encode())
        for name in sorted(self.diagrams):
            digest.update(b"\0diagram\0" + name.encode() + b"\0" + self.diagrams[name].encode())
        for key in sorted(self.forms):
            digest.update(b"\0form\0" + key.encode() + b"\0" + json.dumps(self.forms[key], sort_keys=True).encode())
        return digest.hexdigest()


@dataclass
class Library:
    """Every diagram and form in a folder, indexed by the processes the diagrams hold."""

    diagrams: dict[str, str]
    forms: dict[str, dict]
    process_files: dict[str, str] = field(default_factory=dict)  # process id -> file name
    process_names: dict[str, str] = field(default_factory=dict)
    calls: dict[str, set[str]] = field(default_factory=dict)  # process id -> process ids it calls
    form_keys: dict[str, set[str]] = field(default_factory=dict)  # process id -> form keys its tasks use

    def __post_init__(self):
        for file_name, text in self.diagrams.items():
            try:
                root = parse_diagram(text.encode())
            except (UnsafeXml, etree.XMLSyntaxError):
                continue  # validation reports it, with its line
            for process in root.iterfind("bpmn:process", NSMAP):
                process_id = process.get("id")
                self.process_files[process_id] = file_name
                self.process_names[process_id] = process.get("name") or process_id
                self.calls[process_id] = {c.get("calledElement") for c in process.iterfind(".//bpmn:callActivity", NSMAP)
                                          if c.get("calledElement")}
                self.form_keys[process_id] = {t.get(CAMUNDA_FORM_KEY) for t in process.iterfind(".//bpmn:userTask", NSMAP)
                                              if t.get(CAMUNDA_FORM_KEY)}

    def root_processes(self) -> list[str]:
        """Executable processes that no other process calls, in a stable order."""
        called = set().union(*self.calls.values()) if self.calls else set()
        return sorted(p for p in self.process_files if p not in called)

    def reachable(self, process_id: str) -> list[str]:
        seen, stack = [], [process_id]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.process_files:
                continue
            seen.append(current)
            stack.extend(sorted(self.calls.get(current, ())))
        return seen

    def bundle(self, process_id: str) -> Bundle:
        processes = self.reachable(process_id)
        files = {self.process_files[p] for p in processes}
        keys = set().union(*(self.form_keys[p] for p in processes))
        return Bundle(
            root_process_id=process_id,
            root_process_name=self.process_names[process_id],
            diagrams={name: self.diagrams[name] for name in sorted(files)},
            forms={key: self.forms[key] for key in sorted(keys) if key in self.forms},
        )


def read_library(directory: Path) -> Library:
    """Read every *.bpmn file in a folder and every forms/*.json beside them."""
    diagrams = {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.bpmn"))}
    forms = {path.stem: json.loads(path.read_text(encoding="utf-8"))
             for path in sorted((directory / "forms").glob("*.json"))}
    return Library(diagrams, forms)
