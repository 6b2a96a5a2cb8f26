"""Who may do what: every `can_*` predicate in one place, used by routes, services and templates alike
(templates call them through the `can` global). Each takes the acting user first and never raises; services
that must refuse call the matching `require_*`, which raises PermissionDenied with the reason."""
from market.models import (
    ContractState,
    DeliveryStatus,
    DisputeState,
    Membership,
    OfferStatus,
    Organisation,
    OrgKind,
    PaymentMethod,
    PaymentStatus,
    RequestStatus,
    Role,
    User,
)


def _membership(user: User | None, org: Organisation | int) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.membership_in(org)


# --- organisations and members ---------------------------------------------------------------------

def can_manage_org(user: User | None, org: Organisation) -> bool:
    """Owners and managers edit the profile and manage the members (`organisations.require_role(..., *Role.ADMINS)`);
    which roles a manager may grant is checked by the service."""
    membership = _membership(user, org)
    return bool(membership and membership.role in Role.ADMINS)


def can_remove_member(user: User | None, membership: Membership) -> bool:
    """Anyone may leave; removing someone else needs an owner or a manager."""
    return bool(user and getattr(user, "is_authenticated", False)
                and (membership.user_id == user.id or can_manage_org(user, membership.organisation)))


def can_review(user: User | None) -> bool:
    """Department staff verify or reject organisations, zones and certificates."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_department_staff)


# --- catalog: zones, certificates, products, listings -----------------------------------------------
# Who may see a public page is in services/visibility.py (it needs the services' notion of "public").

def can_see_unpublished(user: User | None, org: Organisation | int) -> bool:
    """Drafts, withdrawn items and anything of an unverified organisation: its members and the department."""
    return bool(_membership(user, org) or can_review(user))


def can_edit_catalog(user: User | None, org: Organisation | int) -> bool:
    """Any member prepares the organisation's zones, listings and products (`zones.EDITORS`)."""
    return _membership(user, org) is not None


# --- contracts, payments and shop orders ------------------------------------------------------------
# Roles, per organisation, for each kind of act on a contract or a payment.
NEGOTIATORS = (Role.OWNER, Role.MANAGER, Role.SIGNER)  # propose, counter-propose, cancel, answer deliveries
SIGNERS = (Role.OWNER, Role.SIGNER)  # sign for the organisation (the owner is its legal representative)
PAYERS = (Role.OWNER, Role.MANAGER, Role.SIGNER)  # pay a deposit or an order
RECEIVERS = (Role.OWNER, Role.MANAGER)  # confirm that a bank transfer arrived
# States a party may cancel from (an active contract only before any delivery).
CANCELLABLE = (ContractState.DRAFT, ContractState.PROPOSED, ContractState.SIGNED, ContractState.ACTIVE)


def _user(user) -> bool:
    return bool(user and user.is_authenticated)


def can_view_contract(user, contract) -> bool:
    return _user(user) and bool(user.membership_in(contract.buyer) or user.membership_in(contract.seller)
                                or user.is_department_staff)


def can_negotiate(user, contract) -> bool:
    """Acts for either party with a negotiating role."""
    return _user(user) and any(user.has_role(org, *NEGOTIATORS) for org in (contract.buyer, contract.seller))


def can_propose(user, contract) -> bool:
    return contract.state == ContractState.DRAFT and can_negotiate(user, contract)


def can_counter_propose(user, contract) -> bool:
    return contract.state == ContractState.PROPOSED and can_negotiate(user, contract)


def signing_organisation(user, contract):
    """The party `user` may sign the current version for now (None when there is none)."""
    if not _user(user) or contract.state != ContractState.PROPOSED:
        return None
    signed = {s.organisation_id for s in contract.signatures_of(contract.current)}
    return next((org for org in (contract.buyer, contract.seller)
                 if org.id not in signed and user.has_role(org, *SIGNERS)), None)


def can_sign(user, contract) -> bool:
    return signing_organisation(user, contract) is not None


def can_cancel_contract(user, contract) -> bool:
    return (contract.state in CANCELLABLE and not (contract.state == ContractState.ACTIVE and contract.deliveries)
            and can_negotiate(user, contract))


def can_record_delivery(user, contract) -> bool:
    return (contract.state in (ContractState.ACTIVE, ContractState.DISPUTED)
            and can_withdraw_delivery(user, contract))


def can_withdraw_delivery(user, contract) -> bool:
    """Any member of the seller (deliveries are recorded where the goods leave)."""
    return _user(user) and user.membership_in(contract.seller) is not None


def can_answer_delivery(user, contract) -> bool:
    """Confirm or dispute: the buyer's negotiators."""
    return _user(user) and user.has_role(contract.buyer, *NEGOTIATORS)


def can_pay_deposit(user, contract) -> bool:
    """Signed, a deposit due, and the user pays for the buyer. (A received deposit makes the contract active.)"""
    return (contract.state == ContractState.SIGNED and contract.current.terms.deposit_amount > 0
            and _user(user) and user.has_role(contract.buyer, *PAYERS))


def can_confirm_transfer(user, payment) -> bool:
    """A bank transfer still waiting, and the user receives for the payee."""
    return (payment is not None and payment.method == PaymentMethod.BANK_TRANSFER
            and payment.status == PaymentStatus.PENDING and _user(user) and user.has_role(payment.payee, *RECEIVERS))


def can_view_order(user, order) -> bool:
    return _user(user) and bool(user.membership_in(order.buyer) or user.membership_in(order.seller)
                                or user.is_department_staff)


# --- conversations, inspections, disputes (issue 11) -------------------------------------------------
THREAD_ROLES = (Role.OWNER, Role.MANAGER, Role.SIGNER)  # read and answer an organisation's conversations


def thread_organisation(user, conversation):
    """The side of `conversation` `user` reads and writes for (None when neither)."""
    if not _user(user):
        return None
    return next((org for org in (conversation.starter, conversation.other) if user.has_role(org, *THREAD_ROLES)),
                None)


def department_sees_thread(conversation) -> bool:
    """The department reads a contract's thread while the contract is in dispute or a dispute on it was
    referred to it (and afterwards, to see what it mediated)."""
    from market.extensions import db
    from market.models import Contract, Dispute
    if conversation.subject_kind != "contract":
        return False
    contract = db.session.get(Contract, conversation.subject_id)
    if contract is None:
        return False
    if contract.state == ContractState.DISPUTED:
        return True
    return db.session.query(Dispute.id).filter(
        Dispute.contract_id == contract.id,
        Dispute.state.in_((DisputeState.REFERRED, DisputeState.CLOSED))).first() is not None


def can_read_thread(user, conversation) -> bool:
    if thread_organisation(user, conversation) is not None:
        return True
    return _user(user) and user.is_department_staff and department_sees_thread(conversation)


def can_write_thread(user, conversation) -> bool:
    return thread_organisation(user, conversation) is not None


def can_inspect_delivery(user, delivery) -> bool:
    """The buyer's negotiators inspect a delivery still waiting for its answer."""
    return delivery.status == DeliveryStatus.RECORDED and can_answer_delivery(user, delivery.contract)


def can_open_dispute(user, contract) -> bool:
    return contract.state in (ContractState.ACTIVE, ContractState.DISPUTED) and can_negotiate(user, contract)


def dispute_side(user, dispute) -> str | None:
    """"opener" or "other" for a party's negotiator, else None."""
    if not _user(user):
        return None
    contract = dispute.contract
    for org in (contract.buyer, contract.seller):
        if user.has_role(org, *NEGOTIATORS):
            return "opener" if org.id == dispute.opened_by_org_id else "other"
    return None


def can_answer_dispute(user, dispute) -> bool:
    return dispute.state == DisputeState.OPEN and dispute_side(user, dispute) == "other"


def can_settle_dispute(user, dispute) -> bool:
    """The side that opened it declares it settled by agreement (or withdraws it)."""
    return dispute.state in (DisputeState.OPEN, DisputeState.ANSWERED) and dispute_side(user, dispute) == "opener"


def can_refer_dispute(user, dispute) -> bool:
    return dispute.state in (DisputeState.OPEN, DisputeState.ANSWERED) and dispute_side(user, dispute) is not None


def can_mediate(user, dispute) -> bool:
    return dispute.state == DisputeState.REFERRED and can_review(user)


# --- sourcing requests ------------------------------------------------------------------------------

def can_close_request(user, request) -> bool:
    """The buyer's negotiators close an open request (its submitted offers are declined with it)."""
    return _user(user) and request.status == RequestStatus.OPEN and user.has_role(request.buyer, *NEGOTIATORS)


def can_accept_offer(user, offer) -> bool:
    """The buyer's negotiators turn a submitted offer into a contract proposal."""
    return (_user(user) and offer.status == OfferStatus.SUBMITTED
            and user.has_role(offer.request.buyer, *NEGOTIATORS))


def buyer_organisations(user, roles=NEGOTIATORS) -> list[Organisation]:
    """The user's enterprises, retail chains and shops in which they hold one of `roles` (next-step links)."""
    if not _user(user):
        return []
    return [m.organisation for m in user.memberships if m.organisation.kind in OrgKind.BUYERS and m.role in roles]


def seller_organisations(user, roles=NEGOTIATORS) -> list[Organisation]:
    if not _user(user):
        return []
    return [m.organisation for m in user.memberships if m.organisation.kind in OrgKind.SELLERS and m.role in roles]


# --- the yearly reporting cycle (services/reporting.py) ---------------------------------------------

def can_run_reporting(user) -> bool:
    """Department staff open a round, see every commune's report, reopen a submitted one, compile and lock."""
    return can_review(user)


def can_report_for(user, commune) -> bool:
    """A commune office's staff write and submit their own commune's report, and only theirs."""
    return _user(user) and any(c.id == getattr(commune, "id", commune) for c in user.office_communes)


def can_see_commune(user, commune) -> bool:
    """The department sees every commune's figures and report; commune staff their own."""
    return can_run_reporting(user) or can_report_for(user, commune)
