"""Conversations between organisations: the list of threads, a thread with its reply form, the first
message about a listing, product, sourcing request, offer or contract, and the files attached to messages
(served only to the thread's readers). The rules are in services/conversations.py."""
from flask import Blueprint, abort, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market import access, permissions
from market.blueprints import write
from market.blueprints.conversations.forms import MessageForm, StartForm
from market.extensions import db
from market.inputs import digits
from market.models import Conversation, Subject, Upload
from market.permissions import THREAD_ROLES
from market.services import conversations, uploads

bp = Blueprint("conversations", __name__)


@bp.before_request
@login_required
def _signed_in():
    """Conversations are between organisations: members only."""


@bp.app_context_processor
def _helpers():
    def unread_threads() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        return conversations.unread_count(current_user)
    return {"unread_threads": unread_threads,
            "my_buyer_orgs": lambda: permissions.buyer_organisations(current_user),
            "my_seller_orgs": lambda: permissions.seller_organisations(current_user)}


def _thread_or_404(conversation_id: int) -> Conversation:
    conversation = db.get_or_404(Conversation, conversation_id)
    if not permissions.can_read_thread(current_user, conversation):
        abort(404)
    return conversation


@bp.get("/")
@access.rule(access.LOGGED_IN)
def index():
    return render_template("conversations/index.html", threads=conversations.threads(current_user))


def _show(conversation: Conversation, form: MessageForm | None = None, *, mark_read: bool = True):
    may_write = permissions.can_write_thread(current_user, conversation)
    if may_write and form is None:
        form = MessageForm(formdata=None)
    page = render_template("conversations/show.html", conversation=conversation, form=form if may_write else None,
                           subject_link=conversations.subject_link(conversation),
                           mine=permissions.thread_organisation(current_user, conversation))
    if mark_read:  # a refused reply saves nothing, not even that the thread was read
        write.commit(lambda: conversations.mark_read(current_user, conversation))
    return page


@bp.get("/<int:conversation_id>")
@access.rule(access.party("conversation", *permissions.THREAD_ROLES, department=True))
def show(conversation_id: int):
    return _show(_thread_or_404(conversation_id))


@bp.post("/<int:conversation_id>")
@access.rule(access.party("conversation", *permissions.THREAD_ROLES))
def reply(conversation_id: int):
    conversation = _thread_or_404(conversation_id)
    form = MessageForm()
    if form.validate_on_submit():
        files = request.files.getlist(form.files.name)
        if write.run(lambda: conversations.post(current_user, conversation, form.body.data, files=files),
                     form=form, success=_("Message sent.")):
            return redirect(url_for("conversations.show", conversation_id=conversation.id) + "#last")
    return _show(conversation, form, mark_read=False)


@bp.route("/new", methods=["GET", "POST"])
@access.rule(access.LOGGED_IN)
def new():
    """The first message about a subject (?about=listing&id=12), to the organisation it links the writer with."""
    source = request.form if request.method == "POST" else request.args
    kind = source.get("about", "")
    raw_id = str(source.get("subject_id") or source.get("id") or "")  # the form's hidden field, or ?id= on a link
    subject_id = digits(raw_id) or 0
    to = digits(str(source.get("to", "")))
    obj = conversations.subject_object(kind, subject_id) if kind in Subject.ALL else None
    if obj is None:
        abort(404)
    orgs = [m.organisation for m in current_user.memberships if m.role in THREAD_ROLES]
    form = StartForm(orgs, about=kind, subject_id=str(subject_id), to=str(to or ""))
    # The thread it would continue, if the writer's organisation already has one on this subject.
    existing = None
    for org in orgs:
        other = conversations.counterpart(kind, obj, org)
        if other is not None and (found := conversations.find(kind, obj.id, org.id, other.id)) is not None:
            existing = found
            break
    if request.method == "GET" and existing is not None:
        return redirect(url_for("conversations.show", conversation_id=existing.id) + "#reply")
    if request.method == "GET" and kind == Subject.PRODUCT and request.args.get("quote"):
        form.body.data = _("Please send us a quote for %(name)s: quantity, price per unit and delivery time.",
                           name=obj.name)
    blocked = None
    if not orgs:
        blocked = _("Only the owner, a manager or a signer of an organisation writes to other organisations.")
    elif not any(o.is_verified for o in orgs):
        blocked = _("Your organisation must be verified by the department before it writes to other "
                    "organisations.")
    if request.method == "POST" and not blocked and form.validate_on_submit():
        org = next((o for o in orgs if str(o.id) == form.org_id.data), None)
        if org is None:
            abort(400)
        files = request.files.getlist(form.files.name)
        done = write.run(lambda: conversations.start(current_user, org, kind, subject_id, form.body.data, to=to,
                                                     files=files), form=form, success=_("Message sent."))
        if done:
            return redirect(url_for("conversations.show", conversation_id=done.value.conversation_id) + "#last")
    return render_template("conversations/new.html", form=form, blocked=blocked,
                           title=conversations.subject_title(kind, obj), orgs=orgs), 400 if request.method == "POST" else 200


@bp.get("/<int:conversation_id>/files/<int:upload_id>/<name>")
@access.rule(access.party("conversation", *permissions.THREAD_ROLES, department=True))
def attachment(conversation_id: int, upload_id: int, name: str):
    """A file attached in the thread: for the thread's readers only (never cached by shared caches)."""
    conversation = _thread_or_404(conversation_id)
    upload = db.session.get(Upload, upload_id)
    if (upload is None or name not in (upload.stored_name, upload.original_name)
            or not any(upload.id == u.id for m in conversation.messages for u in m.attachments)):
        abort(404)
    response = send_from_directory(uploads.upload_folder(), upload.stored_name, mimetype=upload.content_type,
                                   download_name=upload.original_name, as_attachment=upload.kind == uploads.PDF,
                                   conditional=True, etag=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
