"""Printable documents (delivery notes, receipts, order documents): the A4 print view for the two parties and
the department, the list of a seller's documents, and the public verification page a document's QR code leads
to. The numbering is in market.services.documents."""
import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user, login_required

from market import access
from market.extensions import db
from market.inputs import page_arg
from market.models import DocumentKind, IssuedDocument, Organisation
from market.payments import vietqr
from market.services import document_pdf, documents

bp = Blueprint("documents", __name__)


@bp.app_context_processor
def _document_helpers():
    return {"contract_documents": documents.of_contract}


def _may_see(doc_content) -> bool:
    if not current_user.is_authenticated:
        return False
    if current_user.is_department_staff:
        return True
    return any(org is not None and current_user.membership_in(org) is not None
               for org in (doc_content.seller, doc_content.buyer))


@bp.get("/<int:doc_id>")
@access.rule(access.party("document", department=True))
@login_required
def show(doc_id: int):
    doc = db.get_or_404(IssuedDocument, doc_id)
    content = documents.content(doc)
    if not _may_see(content):
        abort(404)
    link = url_for("documents.verify", token=doc.token, _external=True)
    return render_template("documents/print.html", doc=doc, c=content, verify_link=link,
                           qr=vietqr.svg(link, label=doc.code), Kind=DocumentKind, pdf=document_pdf.available())


@bp.get("/<int:doc_id>.pdf")
@access.rule(access.party("document", department=True))
@login_required
def pdf(doc_id: int):
    doc = db.get_or_404(IssuedDocument, doc_id)
    content = documents.content(doc)
    if not _may_see(content) or not document_pdf.available():
        abort(404)
    data = document_pdf.render(content, url_for("documents.verify", token=doc.token, _external=True))
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{doc.code}.pdf"', "Cache-Control": "private, no-store"})


@bp.get("/of/<int:org_id>")
@access.rule(access.party("documents_of", department=True))
@login_required
def index(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    if current_user.membership_in(org) is None and not current_user.is_department_staff:
        abort(404)
    kind = request.args.get("kind", "")
    query = sa.select(IssuedDocument).where(IssuedDocument.seller_id == org.id)
    if kind in DocumentKind.ALL:
        query = query.where(IssuedDocument.kind == kind)
    page = db.paginate(query.order_by(IssuedDocument.kind, IssuedDocument.number.desc()), page=page_arg(), per_page=50,
                       error_out=False)
    return render_template("documents/index.html", org=org, page=page, kind=kind, Kind=DocumentKind)


@bp.get("/verify/<token>")
@access.rule(access.TOKEN)
def verify(token: str):
    """Public: the document exists, with its number, seller, date and total; nothing more."""
    doc = documents.by_token(token)
    if doc is None:
        abort(404)
    return render_template("documents/verify.html", doc=doc, c=documents.content(doc), Kind=DocumentKind)
