"""What the library's states are called on the pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from teia.practices.models import AdoptionStatus, PracticeStatus

PRACTICE_STATUS = {
    PracticeStatus.DRAFT: _l("Rascunho"),
    PracticeStatus.IN_REVIEW: _l("Em revisão"),
    PracticeStatus.PUBLISHED: _l("Publicada"),
    PracticeStatus.ARCHIVED: _l("Arquivada"),
}
ADOPTION_STATUS = {
    AdoptionStatus.ADOPTED: _l("Adotada"),
    AdoptionStatus.PLANNED: _l("Planeada"),
    AdoptionStatus.DISCONTINUED: _l("Abandonada"),
}
