"""The API's OpenAPI 3.1 document, served at /api/v1/openapi.json and checked against the API by schemathesis."""
from __future__ import annotations

ERROR = {"$ref": "#/components/schemas/Error"}
ID = {"type": "integer", "minimum": 1}
WHEN = {"type": ["string", "null"], "format": "date-time"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    """The error answers of an operation; every one may answer 400 (a request carrying a NUL character, say)."""
    meaning = {400: "Bad input: the message and, per field, what is wrong; nothing changed",
               401: "No valid token", 403: "Not allowed for this account", 404: "No such record, or not visible",
               409: "Someone else changed it first, or it is done elsewhere", 422: "Refused for the child's safety"}
    return {str(code): _json(ERROR, meaning[code]) for code in sorted({400, *codes})}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {**ID, "maximum": 2**31 - 1}}


TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1,
                                                                          "maxLength": 64, "pattern": "^[A-Za-z0-9-]+$"}}
ANSWERS = {"type": "object", "required": ["answers"],
           "properties": {"answers": {"type": "object", "description": "Answers to the step's form (its JSON Schema)"}}}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "fields"],
              "properties": {"error": {"type": "string"},
                             "fields": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "CaseList": {"type": "object", "required": ["items", "page", "pages", "total"], "properties": {
        "items": {"type": "array", "items": {"type": "object", "required": ["id", "reference", "stage"], "properties": {
            "id": ID, "reference": {"type": "string"}, "child_name": {"type": "string"}, "stage": {"type": "string"},
            "allocated_worker": {"type": ["string", "null"]}}}},
        "page": {"type": "integer"}, "pages": {"type": "integer"}, "total": {"type": "integer"}}},
    "Case": {"type": "object", "required": ["id", "reference", "stage", "child", "open_steps", "meetings"],
             "properties": {
                 "id": ID, "reference": {"type": "string"}, "stage": {"type": "string"},
                 "stage_label": {"type": "string"},
                 "child": {"type": "object", "properties": {
                     "given_names": {"type": "string"}, "family_name": {"type": "string"},
                     "date_of_birth": {"type": ["string", "null"], "format": "date"}}},
                 "open_steps": {"type": "array", "items": {"type": "object", "properties": {
                     "task_id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": ["string", "null"]},
                     "may_do": {"type": "boolean"}, "due_at": WHEN}}},
                 "meetings": {"type": "array", "items": ID}}},
    "Created": {"type": "object", "required": ["id", "reference"],
                "properties": {"id": ID, "reference": {"type": "string"}}},
    "TaskList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"case_id": ID, "reference": {"type": "string"}, "task_id": {"type": "string"},
                                         "step": {"type": "string"}, "due_at": WHEN}}}}},
    "Task": {"type": "object", "required": ["task_id", "name", "form"], "properties": {
        "task_id": {"type": "string"}, "name": {"type": "string"}, "role": {"type": ["string", "null"]},
        "form_key": {"type": ["string", "null"]}, "form": {"type": "object"},
        "completed_on_its_own_page": {"type": "boolean"}}},
    "Completion": {"type": "object", "required": ["completed", "record_id"], "properties": {
        "completed": {"type": "boolean"}, "record_id": ID, "step": {"type": "string"}}},
    "MeetingList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {
            "id": ID, "kind": {"type": "string"}, "starts_at": {"type": "string"}, "ends_at": {"type": "string"},
            "location": {"type": "string"}, "status": {"type": "string"},
            "invitees": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"}, "role": {"type": "string"}, "answer": {"type": "string"},
                "attendance": {"type": ["string", "null"]}}}}}}}}},
    "Meeting": {"type": "object", "required": ["id", "kind", "starts_at", "ends_at", "location", "status",
                                               "case_reference", "minutes"], "properties": {
        "id": ID, "kind": {"type": "string"}, "starts_at": {"type": "string"}, "ends_at": {"type": "string"},
        "location": {"type": "string"}, "status": {"type": "string"}, "case_reference": {"type": "string"},
        "minutes": {"type": "array", "items": {"type": "object", "properties": {
            "version": {"type": "integer"}, "status": {"type": "string"}, "issued_at": WHEN,
            "document_id": {"type": ["integer", "null"]}}}},
        "invitees": {"type": "array", "description": "Only for the case's staff", "items": {"type": "object"}}}},
    "Escalation": {"type": "object", "required": ["id", "case_reference", "stage", "status"], "properties": {
        "id": ID, "case_reference": {"type": "string"}, "about": {"type": "string"}, "category": {"type": "string"},
        "stage": {"type": "integer", "minimum": 1, "maximum": 4}, "status": {"type": "string"},
        "raised_at": {"type": "string"}, "outcome_statement": {"type": ["string", "null"]}}},
    "EscalationList": {"type": "object", "required": ["items"],
                       "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Escalation"}}}},
    "NewEscalation": {"type": "object", "properties": {
        "immediate_risk": {"type": "string", "enum": ["yes", "no"]},
        "about": {"type": "string", "description": "What is challenged, as offered to the caller"},
        "category": {"type": "string"}, "description": {"type": "string"}, "risk_now": {"type": "string"},
        "outcome_sought": {"type": "string"}}},
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Child in Need workflow API", "version": "1",
                 "description": "The same services and rules as the pages. Authenticate with "
                                "`Authorization: Bearer <token>` (a personal token from **API tokens**, or a "
                                "service token an administrator made for another system)."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],
        "paths": {
            "/cases": {"get": {
                "summary": "Cases the caller may see, newest first",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                               {"name": "stage", "in": "query", "schema": {"type": "string", "maxLength": 40}},
                               {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": 10000}}],
                "responses": {"200": _json(_ref("CaseList"), "A page of cases"), **_errors(401, 403)}}},
            "/cases/{case_id}": {"get": {
                "summary": "A case with its open steps (the look is audited)",
                "parameters": [_path_id("case_id")],
                "responses": {"200": _json(_ref("Case"), "The case"), **_errors(401, 404)}}},
            "/referrals": {"post": {
                "summary": "Record a referral (staff) or make one online (agency practitioners)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ANSWERS}}},
                "responses": {"201": _json(_ref("Created"), "The case opened"), **_errors(400, 401, 403)}}},
            "/tasks": {"get": {
                "summary": "The caller's tasks (social workers and team managers)",
                "responses": {"200": _json(_ref("TaskList"), "Ready steps, oldest first"), **_errors(401, 403)}}},
            "/cases/{case_id}/tasks/{task_id}": {
                "get": {"summary": "An open step with its form's JSON Schema",
                        "parameters": [_path_id("case_id"), TASK_ID],
                        "responses": {"200": _json(_ref("Task"), "The step"), **_errors(401, 403, 404, 409)}},
                "post": {"summary": "Complete an open step, validated like the page",
                         "parameters": [_path_id("case_id"), TASK_ID],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": ANSWERS}}},
                         "responses": {"200": _json(_ref("Completion"), "Completed"),
                                       **_errors(400, 401, 403, 404, 409)}}},
            "/cases/{case_id}/meetings": {"get": {
                "summary": "A case's meetings with each invitee's answer and attendance",
                "parameters": [_path_id("case_id")],
                "responses": {"200": _json(_ref("MeetingList"), "Meetings"), **_errors(401, 404)}}},
            "/meetings/{meeting_id}": {"get": {
                "summary": "A meeting and its issued minutes, for its case's staff and the people invited to it",
                "parameters": [_path_id("meeting_id")],
                "responses": {"200": _json(_ref("Meeting"), "The meeting"), **_errors(401, 404)}}},
            "/escalations": {
                "get": {"summary": "Escalations the caller raised, holds, or their agency raised",
                        "responses": {"200": _json(_ref("EscalationList"), "Escalations"), **_errors(401)}},
                "post": {"summary": "Raise an escalation (stage 1 holders are told)",
                         "requestBody": {"required": True,
                                         "content": {"application/json": {"schema": _ref("NewEscalation")}}},
                         "responses": {"201": _json(_ref("Escalation"), "Raised"), **_errors(400, 401, 422)}}},
            "/escalations/{escalation_id}": {"get": {
                "summary": "One escalation", "parameters": [_path_id("escalation_id")],
                "responses": {"200": _json(_ref("Escalation"), "The escalation"), **_errors(401, 404)}}},
        },
    }
