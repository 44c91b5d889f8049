"""Area port of :class:`graph.port.GraphStore`: delivering stored notices by e-mail, and people's choices for it.

The area: each person's choice per group of notices (:mod:`network.delivery`), and the claims that
let any number of worker processes and app servers send the outbox's notices without ever sending
one twice.

Semantics every adapter keeps (``tests/graph/test_store_delivery.py`` checks them on both):

* Preferences belong to a user account: ``{group: choice}`` with only the groups the person chose.
  :meth:`DeliveryPort.set_notice_preferences` writes only the groups given (two people, or two
  tabs, changing different groups at once both keep their change); they go with the account.
* A notice is *claimed* before it is sent: :meth:`DeliveryPort.claim_notices` marks each notice it
  returns ``sending`` with the claimer's id and a lease, in one transaction, so two claimers never
  get the same notice. A claim whose lease has run out (its sender crashed) can be claimed again.
* :meth:`DeliveryPort.settle_notices` records what became of claimed notices; it changes only
  notices still claimed by that worker (a late sender whose lease was taken over changes nothing).
* The *route* of a notice says how it goes out once routed: ``email`` (one e-mail each, or none
  when the person chose no e-mail) or ``digest`` (gathered into the person's daily e-mail);
  a notice not yet routed goes with ``email`` claims, whose sender routes it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from graph.port_meetings import NoticeRecord
from graph.values import Invalid
from network.delivery import choice_problem

#: Delivery states of a stored notice: waiting, claimed by a sender, delivered, or failed (tried again later).
DELIVERY_STATUSES: tuple[str, ...] = ("pending", "sending", "sent", "failed")

#: How a routed notice goes out: on its own (``email``) or in the person's daily digest.
ROUTES: tuple[str, ...] = ("email", "digest")


@dataclass(frozen=True, slots=True)
class Recipient:
    """The person a notice is for: their account (if any), the assessor they are (if any) and their choices."""

    user_id: str | None
    assessor_id: str | None
    preferences: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClaimedNotice:
    """A notice claimed for sending: the notice, how many times it has been claimed (this one included) and its route."""

    notice: NoticeRecord
    attempts: int
    route: str | None


@dataclass(frozen=True, slots=True)
class Settlement:
    """What became of one claimed notice.

    ``status``: ``sent`` (``via`` says how), ``failed`` (``error`` says why; tried again from
    ``retry_at``, never if ``None``), or ``pending`` (released unsent, e.g. routed to the digest;
    ``uncount`` takes the claim back off its attempts). ``route`` (if given) routes it.
    """

    key: str
    status: str
    via: str | None = None
    error: str | None = None
    retry_at: datetime | None = None
    route: str | None = None
    uncount: bool = False


@dataclass(frozen=True, slots=True)
class NoticeDelivery:
    """Where a notice's delivery stands (for reports and tests)."""

    key: str
    status: str
    route: str | None
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None
    lease_until: datetime | None
    via: str | None
    error: str | None


#: What a sender may settle a claimed notice as (``sending`` is only ever set by a claim).
SETTLED_STATUSES: tuple[str, ...] = ("pending", "sent", "failed")


def check_settlements(settlements: Sequence[Settlement]) -> None:
    """:class:`Invalid` for a settlement no store records (both adapters ask this before writing)."""
    for s in settlements:
        if s.status not in SETTLED_STATUSES:
            raise Invalid(f"a settled notice is {', '.join(SETTLED_STATUSES)}, got {s.status!r}")
        if s.route is not None and s.route not in ROUTES:
            raise Invalid(f"route must be one of {', '.join(ROUTES)}, got {s.route!r}")


def check_choices(choices: Mapping[str, str]) -> None:
    """:class:`Invalid` naming the first group or choice no store records (both adapters ask this before writing)."""
    for group, choice in choices.items():
        problem = choice_problem(group, choice)
        if problem is not None:
            raise Invalid(f"notice preference {group!r}: {problem}")


class DeliveryPort(ABC):
    """People's choices per group of notices, and claims on the outbox's notices for sending."""

    # -- preferences ------------------------------------------------------------------------

    @abstractmethod
    def notice_preferences(self, user_id: str) -> dict[str, str]:
        """The groups the user chose for, ``{group: choice}``; :class:`NotFound` for an unknown user."""

    @abstractmethod
    def set_notice_preferences(self, user_id: str, choices: Mapping[str, str]) -> dict[str, str]:
        """Store the choices given (only those groups are written); the user's choices afterwards.

        :class:`Invalid` (nothing written) for an unknown group or choice; :class:`NotFound` for an unknown user.
        """

    @abstractmethod
    def notice_recipients(self, *, user_ids: Sequence[str] = (), assessor_ids: Sequence[str] = ()) -> dict[tuple[str, str], Recipient]:
        """The people these ids name, keyed ``("user", id)`` or ``("assessor", id)``, each with their choices.

        An assessor's choices are those of the account that is them (if any); an account's
        ``assessor_id`` is the assessor it is (if any). Ids of nobody are left out.
        """

    # -- claims ---------------------------------------------------------------------------

    @abstractmethod
    def claim_notices(
        self,
        worker_id: str,
        now: datetime,
        lease_until: datetime,
        *,
        route: str = "email",
        limit: int = 100,
        keys: Sequence[str] | None = None,
        fresh: bool = True,
        retry_due: datetime | None = None,
    ) -> list[ClaimedNotice]:
        """Claim up to ``limit`` notices due for sending on ``route``, oldest first, in one transaction.

        Due: ``pending`` ones (if ``fresh``), ``failed`` ones whose next try is at or before
        ``retry_due`` (default ``now``; one given up is never due), and ``sending`` ones whose lease
        ran out by ``now``. ``route="email"`` also takes notices not routed yet. ``keys``: only
        these. Each notice returned is ``sending``, claimed by ``worker_id`` until ``lease_until``,
        its attempts counted one more; no other claim returns it while that lease holds.
        """

    @abstractmethod
    def settle_notices(self, worker_id: str, settlements: Sequence[Settlement], at: datetime) -> int:
        """Record what became of notices claimed by ``worker_id`` (sent at ``at``, failed, released); how many were still its own.

        :class:`Invalid` (nothing written) for a status or route not in :data:`DELIVERY_STATUSES` / :data:`ROUTES`.
        """

    @abstractmethod
    def notice_deliveries(self, keys: Sequence[str]) -> dict[str, NoticeDelivery]:
        """Where each of these notices' delivery stands (unknown keys are left out)."""
