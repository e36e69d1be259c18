"""Documents of an application: uploads of the checklist's documents, their review, and
downloads (audited: a document is personal data)."""

from __future__ import annotations

import hashlib
import uuid

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from teia.applications.models import Application, ApplicationDocument, DocumentStatus
from teia.applications.storage import checked_content_type, current_storage
from teia.applications.workflow import Actor, ApplicationError, check, record
from teia.audit.services import audit
from teia.core.db import after_commit, utcnow


def find_document(application: Application, document_id: int) -> ApplicationDocument:
    for document in application.documents:
        if document.id == document_id:
            return document
    raise ApplicationError(_("Esse documento não é desta candidatura."), field="document_id")


def upload_document(
    session: Session,
    application: Application,
    *,
    document_id: int,
    data: bytes,
    filename: str,
    actor: Actor,
) -> ApplicationDocument:
    """Store the file of a checklist document (checked by size and by its first bytes); a
    previous file is removed once the new one is committed."""
    check(application, "upload_document", actor)
    document = find_document(application, document_id)
    return store_document(session, application, document, data, filename, actor)


def store_document(
    session: Session,
    application: Application,
    document: ApplicationDocument,
    data: bytes,
    filename: str,
    actor: Actor,
) -> ApplicationDocument:
    content_type = checked_content_type(data)
    storage = current_storage()
    key = f"{application.tenant_id}/applications/{application.id}/{uuid.uuid4().hex}"
    storage.put(key, data, content_type)
    previous = document.storage_key
    if previous:
        after_commit(session, lambda: storage.delete(previous))
    document.storage_key = key
    document.filename = (filename or "documento").replace("/", "_").replace("\\", "_")[-200:]
    document.content_type = content_type
    document.size = len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.uploaded_by_id = actor.user_id
    document.uploaded_at = utcnow()
    document.status = DocumentStatus.RECEIVED
    document.note = None
    record(
        session,
        application,
        "document_uploaded",
        actor,
        data={"document": document.code, "size": len(data), "sha256": document.sha256},
    )
    return document


def review_document(
    session: Session,
    application: Application,
    *,
    document_id: int,
    accepted: bool,
    note: str = "",
    actor: Actor,
) -> ApplicationDocument:
    """Validate a received document, or reject it saying why (it then counts as missing)."""
    check(application, "review_document", actor)
    document = find_document(application, document_id)
    if document.status not in (DocumentStatus.RECEIVED, DocumentStatus.VALIDATED):
        raise ApplicationError(_("Só se valida um documento que foi entregue."), "document_id")
    if not accepted and not note.strip():
        raise ApplicationError(_("Diga porque o documento não serve."), field="note")
    document.status = DocumentStatus.VALIDATED if accepted else DocumentStatus.REJECTED
    document.note = note.strip() or None
    record(
        session,
        application,
        "document_validated" if accepted else "document_rejected",
        actor,
        note=note.strip(),
        data={"document": document.code},
    )
    return document


def document_content(
    session: Session, application: Application, document_id: int, purpose: str
) -> tuple[ApplicationDocument, bytes]:
    """A document's file, for download; the read is audited (a document is personal data)."""
    document = find_document(application, document_id)
    if not document.storage_key:
        raise ApplicationError(_("Este documento ainda não foi entregue."), "document_id")
    data = current_storage().get(document.storage_key)
    audit(
        session,
        "application.document_read",
        object_type="application",
        object_id=application.id,
        purpose=purpose,
        details={"document": document.id, "code": document.code},
    )
    return document, data
