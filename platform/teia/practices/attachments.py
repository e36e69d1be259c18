"""Files of a practice (a protocol, a form template, a leaflet): added and removed by the
author while it is a draft, downloaded (audited) by whoever may read the practice.

Accepted by their bytes, never by the name or the declared type: PDF, PNG and JPEG by their
first bytes (as :mod:`teia.applications.storage` checks them), and the office documents
people share — ODT, ODS, DOCX, XLSX — as ZIP archives whose table of contents says which they
are. At most :data:`~teia.applications.storage.MAX_UPLOAD_BYTES` each.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from teia.applications.storage import (
    MAX_UPLOAD_BYTES,
    SIGNATURES,
    UploadError,
    current_storage,
)
from teia.audit.services import audit
from teia.core.db import after_commit
from teia.practices.models import Practice, PracticeAttachment, PracticeStatus
from teia.practices.services import Actor, PracticeError, can_see

MAX_ATTACHMENTS = 20
ODF_TYPES = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ZIP = b"PK\x03\x04"


def _office_type(data: bytes) -> str | None:
    """ODT/ODS by their ``mimetype`` entry, DOCX/XLSX by their main part; else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in ODF_TYPES else None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, KeyError, RuntimeError):
        return None
    return None


def checked_type(data: bytes) -> str:
    """The type of an acceptable attachment; :class:`UploadError` (worded for the user)
    otherwise."""
    if not data:
        raise UploadError(_("O ficheiro está vazio."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            _("O ficheiro tem mais de %(mb)s MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
        )
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    office = _office_type(data) if data.startswith(_ZIP) else None
    if office is None:
        raise UploadError(
            _("Só são aceites ficheiros PDF, imagens PNG ou JPEG, ODT, ODS, DOCX ou XLSX.")
        )
    return office


def _safe_name(filename: str) -> str:
    name = (filename or "").replace("/", "_").replace("\\", "_").strip()
    return name[-200:] or _("anexo")


def add_attachment(
    session: Session, actor: Actor, practice: Practice, *, data: bytes, filename: str
) -> PracticeAttachment:
    """Store a file of a draft (the author's); refused with a message in Portuguese."""
    if practice.author_id != actor.user_id:
        raise PracticeError(_("Só quem escreve a prática lhe junta ficheiros."))
    if practice.status != PracticeStatus.DRAFT:
        raise PracticeError(_("Só se juntam ficheiros a uma prática em rascunho."))
    if len(practice.attachments) >= MAX_ATTACHMENTS:
        raise PracticeError(_("No máximo %(n)s ficheiros por prática.", n=MAX_ATTACHMENTS))
    content_type = checked_type(data)
    key = f"practices/{practice.id}/{uuid.uuid4().hex}"
    storage = current_storage()
    storage.put(key, data, content_type)
    attachment = PracticeAttachment(
        practice_id=practice.id,
        filename=_safe_name(filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=actor.user_id,
    )
    practice.attachments.append(attachment)
    session.flush()
    audit(
        session,
        "practice.attachment_added",
        object_type="practice",
        object_id=practice.id,
        details={"attachment": attachment.id, "size": attachment.size, "sha256": attachment.sha256},
    )
    return attachment


def _find(practice: Practice, attachment_id: int) -> PracticeAttachment | None:
    return next((a for a in practice.attachments if a.id == attachment_id), None)


def remove_attachment(
    session: Session, actor: Actor, practice: Practice, attachment_id: int
) -> bool:
    """Remove a file of a draft; the stored file goes once the removal is committed.
    False when the practice has no such file."""
    attachment = _find(practice, attachment_id)
    if attachment is None:
        return False
    if practice.author_id != actor.user_id or practice.status != PracticeStatus.DRAFT:
        raise PracticeError(_("Só quem escreve a prática lhe tira ficheiros, em rascunho."))
    key = attachment.storage_key
    practice.attachments.remove(attachment)
    session.flush()
    storage = current_storage()
    after_commit(session, lambda: storage.delete(key))
    audit(
        session,
        "practice.attachment_removed",
        object_type="practice",
        object_id=practice.id,
        details={"attachment": attachment_id},
    )
    return True


def attachment_content(
    session: Session, actor: Actor, practice: Practice, attachment_id: int
) -> tuple[PracticeAttachment, bytes] | None:
    """A file for someone who may read the practice (audited); None when there is none."""
    attachment = _find(practice, attachment_id)
    if attachment is None or not can_see(actor, practice):
        return None
    data = current_storage().get(attachment.storage_key)
    audit(
        session,
        "practice.attachment_read",
        object_type="practice",
        object_id=practice.id,
        details={"attachment": attachment.id},
    )
    return attachment, data
