"""What the process editor's page gives its script: the choices its properties panel offers (the runtime's own
handlers and roles, the forms and processes of the bundle being edited), each form's text in the form's own
order, and the inline style attributes the editor's library writes, which the page's CSP allows by hash."""
from __future__ import annotations

import json

from webapp.auth.roles import Role
from webapp.workflow.bundles import Library
from webapp.workflow.wiring import wired

# bpmn-js-properties-panel sizes its container, and bpmn-js draws its align and distribute icons, with style
# attributes in markup: a strict CSP refuses them unless their hashes are listed ('unsafe-hashes'). These are
# the exact strings in the pinned packages; tests/processes/test_editor_page.py checks the built bundle has no other.
EDITOR_STYLE_ATTRIBUTES = (
    "height: 100%",
    "fill:none;stroke:currentColor;stroke-width:100;",
    "fill:none;stroke:currentColor;stroke-width:100;stroke-linejoin:round;",
    "fill:currentColor;stroke:currentColor;stroke-width:100;opacity:.5;",
    "stroke:currentColor;stroke-width:100;stroke-linecap:round;",
)


def form_texts(forms: dict[str, dict]) -> dict[str, str]:
    """Each form's JSON Schema as text in its own key order (the order its questions are asked in): Jinja's
    tojson sorts keys, which put every form's questions in alphabetical order."""
    return {key: json.dumps(schema, indent=2, ensure_ascii=False) for key, schema in forms.items()}


def editor_choices(diagrams: dict[str, str], forms: dict[str, dict]) -> dict:
    """What the properties panel lets a process owner choose, as the runtime reads it: a service task's handler
    (camunda:topic), a user task's form (camunda:formKey) and roles (camunda:candidateGroups, else its lane's
    name), a call activity's process (calledElement)."""
    library = Library(diagrams, {})
    return {
        "handlers": [{"name": name, "description": handler.description}
                     for name, handler in sorted(wired().handlers.items())],
        "roles": [{"value": role.value, "label": role.label} for role in Role],
        "forms": sorted(forms),
        "processes": [{"id": pid, "name": library.process_names[pid]} for pid in sorted(library.process_files)],
    }
