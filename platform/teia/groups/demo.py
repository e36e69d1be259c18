"""Demo data of a CIMAC working group, after the MAASIP study's recommendation of
supra-municipal groups that discuss cases across councils, identify constraints and share
good practices.

"Crianças e famílias em risco" is coordinated by CIMAC's coordinator, with Mourão's case
manager and technician, the Santa Casa (a partner in Mourão), Reguengos' and Portel's case
managers; Mourão's and CIMBAL's coordinators are not members. It has two constraints (one
answered), a past meeting with approved minutes and an overdue action, a meeting next week,
a published practice adopted by Reguengos and one in review. No vignettes: a vignette is built
from a case by its page. Written as plain rows; idempotent (nothing is done when the group
exists).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from teia.accounts.models import Membership, User
from teia.core.clock import today
from teia.groups.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaKind,
    Attendance,
    AttendanceStatus,
    ConstraintStatus,
    GroupConstraint,
    GroupMember,
    Meeting,
    MeetingDecision,
    MeetingStatus,
    MemberRole,
    MinutesStatus,
    WorkingGroup,
)
from teia.practices.models import (
    AdoptionStatus,
    Practice,
    PracticeAdoption,
    PracticeCouncil,
    PracticeStatus,
)
from teia.tenants.models import Consortium, Tenant

GROUP_NAME = "Crianças e famílias em risco"
THEME = (
    "Discutir entre concelhos, sem expor as famílias, os casos de crianças e jovens em risco "
    "que pedem mais do que um serviço; identificar os constrangimentos que as equipas "
    "encontram (prestações, respostas de acolhimento, articulação com a CPCJ e a linha de "
    "emergência social) e partilhar as boas práticas que funcionam no território."
)
COORDINATOR = "coordenacao@cimac.demo"
# (e-mail, council the member speaks for; None: the consortium's coordination)
MEMBERS = (
    (COORDINATOR, None),
    ("gestora@mourao.demo", "mourao"),
    ("tecnica@mourao.demo", "mourao"),
    ("ipss@mourao.demo", "mourao"),
    ("gestor@reguengos-de-monsaraz.demo", "reguengos-de-monsaraz"),
    ("gestora@portel.demo", "portel"),
)
RSI_DELAY = "Demora nas decisões de RSI e de prestações de ação social"
NO_TEEN_EMERGENCY = "Sem vagas de emergência para adolescentes no território"
PUBLISHED_PRACTICE = "Protocolo de visitas domiciliárias conjuntas com a Santa Casa"
PRACTICE_IN_REVIEW = "Guião comum para a reunião mensal de casos entre concelhos"
ZONE = ZoneInfo("Europe/Lisbon")


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock in Lisbon on ``day``, as a stored (naive UTC) timestamp."""
    local = datetime.combine(day, time(hour), tzinfo=ZONE)
    return local.astimezone(UTC).replace(tzinfo=None)


def load_groups_demo(session: Session) -> None:
    cimac = session.scalar(select(Consortium).where(Consortium.slug == "cimac"))
    assert cimac is not None, "load the councils first"
    exists = session.scalar(
        select(WorkingGroup.id).where(
            WorkingGroup.consortium_id == cimac.id, WorkingGroup.name == GROUP_NAME
        )
    )
    if exists is not None:
        return
    councils = {t.slug: t for t in session.scalars(select(Tenant))}
    users = {
        u.email: u
        for u in session.scalars(select(User).where(User.email.in_([e for e, _ in MEMBERS])))
    }
    now = today("Europe/Lisbon")
    group = WorkingGroup(
        consortium_id=cimac.id,
        name=GROUP_NAME,
        theme=THEME,
        created_by_id=users[COORDINATOR].id,
        created_at=_at(now - timedelta(days=60), 9),
    )
    session.add(group)
    session.flush()
    for email, council in MEMBERS:
        _seat(session, group, users[email], councils.get(council) if council else None, cimac)
    rsi, teens = _constraints(session, group, users, councils, now)
    protocol = _practices(session, group, cimac, users, councils, now)
    _meetings(session, group, users, now, rsi, teens, protocol)
    session.flush()


def _seat(
    session: Session, group: WorkingGroup, user: User, council: Tenant | None, cimac: Consortium
) -> None:
    """A seat through the user's membership in ``council`` (or CIMAC's coordination)."""
    scope = (
        Membership.tenant_id == council.id
        if council is not None
        else Membership.consortium_id == cimac.id
    )
    membership = session.scalar(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.active.is_(True), scope)
        .order_by(Membership.id)
    )
    assert membership is not None, user.email
    session.add(
        GroupMember(
            group_id=group.id,
            user_id=user.id,
            tenant_id=council.id if council is not None else None,
            organization_id=membership.organization_id,
            role=MemberRole.COORDINATOR if council is None else MemberRole.MEMBER,
            added_by_id=group.created_by_id,
            joined_at=group.created_at,
        )
    )


def _constraints(
    session: Session,
    group: WorkingGroup,
    users: dict[str, User],
    councils: dict[str, Tenant],
    now: date,
) -> tuple[GroupConstraint, GroupConstraint]:
    coordinator = users[COORDINATOR].id
    rsi = GroupConstraint(
        group_id=group.id,
        title=RSI_DELAY,
        description=(
            "Os pedidos de Rendimento Social de Inserção e de prestações de ação social "
            "demoram em média mais de 60 dias a ter decisão; entretanto as famílias ficam sem "
            "rendimento e os planos de intervenção param à espera da prestação."
        ),
        affected_tenant_ids=sorted(
            councils[s].id for s in ("mourao", "portel", "reguengos-de-monsaraz")
        ),
        status=ConstraintStatus.ANSWERED,
        raised_with="Centro Distrital de Évora do ISS, I.P.",
        raised_on=now - timedelta(days=40),
        response=(
            "O Centro Distrital reconhece a demora e cria um ponto de contacto para os pedidos "
            "que os SAAS assinalem como urgentes; compromete-se a decidir estes em 15 dias úteis."
        ),
        response_on=now - timedelta(days=12),
        created_by_id=users["gestora@portel.demo"].id,
        created_at=_at(now - timedelta(days=50), 11),
        updated_by_id=coordinator,
        updated_at=_at(now - timedelta(days=12), 15),
    )
    teens = GroupConstraint(
        group_id=group.id,
        title=NO_TEEN_EMERGENCY,
        description=(
            "Quando um adolescente precisa de acolhimento de emergência à noite ou ao fim de "
            "semana não há vaga no Alentejo Central: a resposta mais próxima fica a mais de "
            "100 km e a articulação com a linha de emergência social (144) não é clara."
        ),
        affected_tenant_ids=sorted(councils[s].id for s in ("mourao", "portel")),
        status=ConstraintStatus.RAISED,
        raised_with="ISS, I.P. — Linha Nacional de Emergência Social (144)",
        raised_on=now - timedelta(days=10),
        created_by_id=users["gestora@mourao.demo"].id,
        created_at=_at(now - timedelta(days=25), 10),
        updated_by_id=coordinator,
        updated_at=_at(now - timedelta(days=10), 16),
    )
    session.add_all([rsi, teens])
    session.flush()
    return rsi, teens


def _practices(
    session: Session,
    group: WorkingGroup,
    cimac: Consortium,
    users: dict[str, User],
    councils: dict[str, Tenant],
    now: date,
) -> Practice:
    published = Practice(
        consortium_id=cimac.id,
        group_id=group.id,
        title=PUBLISHED_PRACTICE,
        problem=(
            "As famílias recebiam visitas da técnica do município e da Santa Casa em dias "
            "diferentes, com perguntas repetidas, e ninguém sabia o que a outra equipa combinara."
        ),
        what_was_done=(
            "Um protocolo entre o município e a Santa Casa da Misericórdia: as visitas "
            "domiciliárias são conjuntas e marcadas com a família, seguem um guião comum e "
            "terminam com um registo partilhado do que se combinou e de quem faz o quê."
        ),
        results=(
            "Menos visitas por família, acordos cumpridos com mais frequência e menos "
            "desistências do plano de intervenção nos primeiros três meses."
        ),
        resources=(
            "Duas técnicas (município e Santa Casa), meio dia por semana, uma viatura "
            "partilhada e o guião de visita (duas páginas)."
        ),
        tags=["visitas", "parceria", "misericórdia", "crianças"],
        status=PracticeStatus.PUBLISHED,
        author_id=users["tecnica@mourao.demo"].id,
        submitted_at=_at(now - timedelta(days=35), 10),
        reviewer_id=users[COORDINATOR].id,
        published_at=_at(now - timedelta(days=30), 12),
        created_at=_at(now - timedelta(days=45), 10),
        updated_at=_at(now - timedelta(days=30), 12),
    )
    published.councils = [
        PracticeCouncil(tenant_id=councils["mourao"].id),
        PracticeCouncil(tenant_id=councils["portel"].id),
    ]
    published.adoptions = [
        PracticeAdoption(
            council_id=councils["reguengos-de-monsaraz"].id,
            status=AdoptionStatus.ADOPTED,
            started_on=now - timedelta(days=20),
            how_it_went=(
                "Começámos com a Santa Casa em Reguengos: as famílias preferem uma só visita e "
                "o registo partilhado evitou duas marcações em duplicado."
            ),
            recorded_by_id=users["gestor@reguengos-de-monsaraz.demo"].id,
            updated_at=_at(now - timedelta(days=5), 17),
        )
    ]
    in_review = Practice(
        consortium_id=cimac.id,
        group_id=group.id,
        title=PRACTICE_IN_REVIEW,
        problem=(
            "As reuniões de discussão de casos entre concelhos dispersavam-se e havia "
            "receio de expor fragilidades das equipas."
        ),
        what_was_done=(
            "Um guião de uma página: a pergunta concreta da equipa, o que já se tentou, "
            "propostas dos colegas e o que a equipa decide adotar, sem identificar a família."
        ),
        results="Em experiência em Portel desde há dois meses.",
        resources="Uma hora por mês e uma pessoa a moderar.",
        tags=["discussão", "casos", "supervisão"],
        status=PracticeStatus.IN_REVIEW,
        author_id=users["gestora@portel.demo"].id,
        submitted_at=_at(now - timedelta(days=3), 16),
        created_at=_at(now - timedelta(days=9), 10),
        updated_at=_at(now - timedelta(days=3), 16),
    )
    in_review.councils = [PracticeCouncil(tenant_id=councils["portel"].id)]
    session.add_all([published, in_review])
    session.flush()
    return published


def _meetings(
    session: Session,
    group: WorkingGroup,
    users: dict[str, User],
    now: date,
    rsi: GroupConstraint,
    teens: GroupConstraint,
    protocol: Practice,
) -> None:
    coordinator = users[COORDINATOR].id
    past_day = now - timedelta(days=21)
    past = Meeting(
        group_id=group.id,
        title="1.ª reunião do grupo",
        starts_at=_at(past_day, 10),
        location="Sede da CIMAC, Évora",
        status=MeetingStatus.HELD,
        minutes=(
            "Apresentação dos membros e do método de discussão de casos (sem identificar as "
            "famílias). Ponto de situação da demora nas decisões de RSI: os três municípios "
            "têm pedidos pendentes há mais de 60 dias. A Santa Casa apresentou o protocolo de "
            "visitas domiciliárias conjuntas em uso em Mourão."
        ),
        minutes_status=MinutesStatus.APPROVED,
        approved_by_id=coordinator,
        approved_at=_at(past_day + timedelta(days=2), 15),
        created_by_id=coordinator,
        created_at=_at(past_day - timedelta(days=14), 9),
    )
    past.agenda = [
        AgendaItem(position=1, kind=AgendaKind.OTHER, title="Apresentação e método de trabalho"),
        AgendaItem(position=2, kind=AgendaKind.CONSTRAINT, title=rsi.title, constraint_id=rsi.id),
        AgendaItem(
            position=3, kind=AgendaKind.PRACTICE, title=protocol.title, practice_id=protocol.id
        ),
    ]
    absent = {"tecnica@mourao.demo": AttendanceStatus.EXCUSED}
    past.attendance = [
        Attendance(user_id=users[email].id, status=absent.get(email, AttendanceStatus.PRESENT))
        for email, _ in MEMBERS
    ]
    past.decisions = [
        MeetingDecision(
            position=1,
            text="Levar a demora nas decisões de RSI ao Centro Distrital de Évora do ISS, I.P.",
        ),
        MeetingDecision(
            position=2,
            text="Propor o protocolo de visitas conjuntas à biblioteca de boas práticas.",
        ),
    ]
    session.add(past)
    session.flush()
    session.add_all(
        [
            ActionItem(
                meeting_id=past.id,
                group_id=group.id,
                description=(
                    "Contar os pedidos de RSI pendentes há mais de 30 dias em Portel "
                    "(só números, sem identificar famílias)."
                ),
                owner_id=users["gestora@portel.demo"].id,
                due_on=now - timedelta(days=5),
                status=ActionItemStatus.OPEN,
            ),
            ActionItem(
                meeting_id=past.id,
                group_id=group.id,
                description="Escrever a ficha do protocolo de visitas conjuntas para a biblioteca.",
                owner_id=users["tecnica@mourao.demo"].id,
                due_on=past_day + timedelta(days=14),
                status=ActionItemStatus.DONE,
                done_at=_at(past_day + timedelta(days=10), 12),
                done_note="Ficha publicada na biblioteca de boas práticas.",
            ),
        ]
    )
    upcoming = Meeting(
        group_id=group.id,
        title="2.ª reunião do grupo",
        starts_at=_at(now + timedelta(days=7), 10),
        location="Videoconferência",
        status=MeetingStatus.SCHEDULED,
        created_by_id=coordinator,
        created_at=_at(now - timedelta(days=2), 9),
    )
    upcoming.agenda = [
        AgendaItem(position=1, kind=AgendaKind.OTHER, title="Ponto de situação das ações"),
        AgendaItem(
            position=2, kind=AgendaKind.CONSTRAINT, title=teens.title, constraint_id=teens.id
        ),
        AgendaItem(
            position=3, kind=AgendaKind.OTHER, title="Guião comum para a discussão de casos"
        ),
    ]
    upcoming.attendance = [
        Attendance(user_id=users[email].id, status=AttendanceStatus.INVITED) for email, _ in MEMBERS
    ]
    session.add(upcoming)
