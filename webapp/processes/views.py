"""Process pages for process owners and administrators: the processes, a process's draft (its diagrams and forms
as text, with a diagram file upload), validation problems, the changes against the running version, deploy and
export."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.columns import utc_now
from webapp.database import undone_if_refused
from webapp.errors import InvalidInput
from webapp.processes import editor, services
from webapp.shell.security import acting_user, allow_style_attributes, request_origin

blueprint = Blueprint("processes", __name__, url_prefix="/processes")


@blueprint.route("/")
@login_required
def index():
    return render_template("processes/index.html", rows=services.processes(acting_user()))


def _posted_files() -> tuple[dict[str, str], dict[str, str]]:
    diagrams = {key.removeprefix("diagram:"): value.replace("\r\n", "\n")
                for key, value in request.form.items() if key.startswith("diagram:")}
    forms = {key.removeprefix("form:"): value for key, value in request.form.items() if key.startswith("form:")}
    new_key = request.form.get("new_form_key", "").strip()
    if new_key:
        forms[new_key] = request.form.get("new_form", "")
    upload = request.files.get("upload")
    if upload is not None and upload.filename:
        diagrams[upload.filename.rsplit("/", 1)[-1]] = upload.read(services.MAX_DIAGRAM_BYTES + 1).decode(
            "utf-8", errors="replace")
    return diagrams, forms


@blueprint.route("/<process_id>", methods=["GET", "POST"])
@login_required
def edit(process_id: str):
    draft, version = services.editing(acting_user(), process_id)
    errors, problems = {}, services.problems_of(draft) if draft else []
    action = request.form.get("action", "save")
    posted = _posted_files() if request.method == "POST" and action == "save" else None
    if request.method == "POST":
        try:
            with undone_if_refused():
                if action == "deploy":
                    deployed = services.deploy(acting_user(), process_id, origin=request_origin())
                    flash(f"Deployed as version {deployed.id}: new cases start on it; running ones stay on theirs",
                          "success")
                    return redirect(url_for("processes.index"))
                if action == "migrate":
                    moved = services.migrate_instances(
                        acting_user(), process_id, [int(i) for i in request.form.getlist("instances") if i.isdecimal()],
                        origin=request_origin(), now=utc_now())
                    flash(f"{moved} case(s) moved to version {version.id}; they carry on from the steps they were at",
                          "success")
                    return redirect(url_for("processes.edit", process_id=process_id))
                if action == "discard":
                    services.discard_draft(acting_user(), process_id, origin=request_origin())
                    flash("Draft discarded", "success")
                    return redirect(url_for("processes.edit", process_id=process_id))
                draft, problems = services.save_draft(acting_user(), process_id, *posted, origin=request_origin(),
                                                      now=utc_now())
        except InvalidInput as invalid:
            errors = invalid.field_errors
        else:
            flash("Draft saved: it passes validation" if not problems else
                  f"Draft saved with {len(problems)} problem(s) to fix before deploying", "success")
            return redirect(url_for("processes.edit", process_id=process_id))
    files = draft or version
    diagrams, forms = files.diagrams, editor.form_texts(files.forms)
    if errors and posted:  # refused: show what was posted, so that nothing typed is lost
        diagrams, forms = {**diagrams, **posted[0]}, {**forms, **posted[1]}
    allow_style_attributes(editor.EDITOR_STYLE_ATTRIBUTES)
    return render_template("processes/edit.html", version=version, draft=draft, diagrams=diagrams, forms=forms,
                           errors=errors, problems=problems,
                           errors_title="Nothing was deployed" if action == "deploy" else "Nothing was saved",
                           changes=services.changes(draft, version) if draft else None,
                           running=services.running_on_older_versions(acting_user(), process_id),
                           root_file=services.root_file(files.diagrams, process_id),
                           choices=editor.editor_choices(files.diagrams, files.forms)), \
        (400 if errors else 200)


@blueprint.route("/<process_id>/export.zip")
@login_required
def export(process_id: str):
    archive = services.export_bundle(acting_user(), process_id, origin=request_origin())
    return archive, 200, {"Content-Type": "application/zip",
                          "Content-Disposition": f'attachment; filename="{process_id}.zip"'}


@blueprint.route("/<process_id>/form-preview", methods=["POST"])
@login_required
def form_preview(process_id: str):
    """A form's JSON Schema as the page would show it, for the live preview beside the form's text."""
    services.editing(acting_user(), process_id)
    try:
        key = "".join(c for c in request.form.get("key", "")[:60] if c.isalnum() or c in "_-")
        fields = services.preview_fields(request.form.get("schema", ""), prefix=f"preview-{key}-" if key else "preview-")
    except InvalidInput as invalid:
        return render_template("processes/_preview.html", problem=str(invalid), fields=[]), 200
    except RecursionError:  # `[` repeated 100,000 times: bad input, as the API answers it, never a 500
        return {"error": "The form is nested too deeply to read", "fields": {}}, 400
    return render_template("processes/_preview.html", problem=None, fields=fields)
