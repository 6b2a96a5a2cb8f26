"""Small worlds for the plan's figures: organisations, contracts (versions, signatures, deliveries),
zones with certificates, OCOP products and declared chains, written straight through the models (the way
demo_market.seed_demo_contracts does) so a test can set up any state on any date, then `figures()` to read every
figure of targets.compute for a scope.

Every world is judged on AS_OF, a fixed day in the past (the report refuses future dates): the answers
worked out by hand in the tests do not move with the calendar."""
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import session
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from market.clock import LOCAL_TZ
from market.extensions import db
from market.models import (
    Certificate,
    Contract,
    ContractSignature,
    ContractState,
    ContractVersion,
    Crop,
    Delivery,
    GrowingZone,
    Membership,
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    ProductStatus,
    ReviewStatus,
    Role,
    User,
    ZoneKind,
)
from market.services import chains, reference_data, targets
from market.services.contracts import terms_hash
from market.text import name_key
from tests.conftest import PASSWORD

AS_OF = date(2026, 6, 15)
DAY = timedelta(days=1)
# Zones exist in the market from this day (a zone registered after the report date does not count on it).
ZONES_REGISTERED = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
FIGURE_KEYS = ["linkage_orgs", "ocop_valid", "ocop_four_star", "ocop_five_star", "ocop_retail_share",
               "ocop_expiring_90_days", "cert_gap_organic_zone_ha", "cert_planted_forest_ha", "cert_sfm_ha"]


def local_moment(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in Lạng Sơn on `day` (10:00 local is 03:00 UTC: the same date either way)."""
    return datetime.combine(day, time(hour), tzinfo=LOCAL_TZ)


def pdf(name: str = "bien-ban-lien-ket.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(MINIMAL_PDF), filename=name, content_type="application/pdf")


class World:
    """Builds committed rows, each call in its own request context (services word messages in the
    request's language), and returns ids."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def context(self):
        return self.app.test_request_context()

    # --- people and organisations ---------------------------------------------------------------

    def org(self, kind=OrgKind.COOPERATIVE, *, status=OrgStatus.VERIFIED, commune="Văn Quan", name=None) -> int:
        name = name or f"{kind} thử nghiệm {self._next()}"
        with self.context():
            org = Organisation(name=name, name_key=name_key(name), kind=kind, status=status,
                               commune_id=reference_data.commune_named(commune).id)
            db.session.add(org)
            db.session.commit()
            return org.id

    def user(self, org_id: int | None = None, role=Role.OWNER, full_name=None) -> int:
        n = self._next()
        with self.context():
            user = User(email=f"giamsat{n}@example.vn", full_name=full_name or f"Cán bộ {n}")
            user.set_password(PASSWORD)
            db.session.add(user)
            if org_id:
                db.session.add(Membership(user=user, organisation_id=org_id, role=role))
            db.session.commit()
            return user.id

    def department_staff(self) -> int:
        return self.user(self.org(OrgKind.DEPARTMENT, commune="Lương Văn Tri",
                                  name=f"Sở Nông nghiệp và Môi trường {self._next()}"))

    def commune_officer(self, commune: str) -> int:
        return self.user(self.org(OrgKind.COMMUNE_OFFICE, commune=commune, name=f"UBND {commune} {self._next()}"))

    # --- contracts --------------------------------------------------------------------------------

    def contract(self, buyer_id: int, seller_id: int, state: str = ContractState.ACTIVE, *,
                 activated: date | datetime | None = date(2026, 3, 2), crop: str = "hoi", quantity: float = 1000,
                 unit: str = "kg", price: int = 95_000, deliveries=()) -> int:
        """A contract with one version of terms, both parties' signatures once signed, and deliveries
        [(quantity, delivered_on, status)]. `activated` is the day (10:00 in Lạng Sơn) or the exact moment
        it became active; it is signed the day before. A cancelled contract was active before it ended."""
        n = self._next()
        moment = local_moment(activated) if isinstance(activated, date) and not isinstance(activated, datetime) \
            else activated
        with self.context():
            buyer, seller = db.session.get(Organisation, buyer_id), db.session.get(Organisation, seller_id)
            crop_row = db.session.scalar(sa.select(Crop).where(Crop.key == crop))
            reference = f"HD-T-{n:04d}"
            terms = {
                "contract": reference, "currency": "VND",
                "buyer": {"id": buyer.id, "name": buyer.name, "tax_code": buyer.tax_code},
                "seller": {"id": seller.id, "name": seller.name, "tax_code": seller.tax_code},
                "items": [{"crop": crop_row.key, "crop_name": crop_row.name_vi, "product_form": "dried",
                           "grade": None, "quantity": float(quantity), "unit": unit, "price_per_unit": price}],
                "delivery_windows": [{"start": "2026-02-01", "end": "2026-12-31", "quantity": float(quantity)}],
                "zone_codes": [], "deposit_pct": 0, "payment_days": 15,
                "payment_terms": "Thanh toán trong 15 ngày.", "cancellation_terms": "Không.",
            }
            contract = Contract(reference=reference, buyer=buyer, seller=seller, crop=crop_row, state=state)
            contract.versions.append(ContractVersion(number=1, terms=terms, terms_hash=terms_hash(terms),
                                                     proposed_by_id=buyer.id))
            db.session.add(contract)
            db.session.flush()
            if state != ContractState.DRAFT and state != ContractState.PROPOSED and moment is not None:
                signed_at = moment - DAY
                version = contract.versions[-1]
                for org in (buyer, seller):
                    db.session.add(ContractSignature(contract=contract, version=version, organisation_id=org.id,
                                                     signer_name=f"Người ký {org.name}",
                                                     terms_hash=version.terms_hash, signed_at=signed_at))
                contract.signed_at = signed_at
                if state != ContractState.SIGNED:
                    contract.activated_at = moment
            if state == ContractState.COMPLETED:
                contract.completed_at = moment + timedelta(days=30)
            if state == ContractState.CANCELLED:
                contract.cancelled_at, contract.cancel_reason = moment + timedelta(days=5), "Bên mua đổi kế hoạch."
            if state == ContractState.DISPUTED:
                contract.dispute_reason = "Độ ẩm vượt mức thỏa thuận."
            for qty, delivered_on, status in deliveries:
                db.session.add(Delivery(contract=contract, public_id=f"GH-T-{self._next():06d}",
                                        quantity=float(qty), delivered_on=delivered_on, status=status))
            db.session.commit()
            return contract.id

    def reference(self, contract_id: int) -> str:
        with self.context():
            return db.session.get(Contract, contract_id).reference

    def set_contract_state(self, contract_id: int, state: str) -> None:
        with self.context():
            contract = db.session.get(Contract, contract_id)
            contract.state = state
            if state == ContractState.CANCELLED:
                contract.cancelled_at, contract.cancel_reason = datetime.now(UTC), "Hủy để thử."
            db.session.commit()

    # --- zones and certificates --------------------------------------------------------------------

    def zone(self, org_id: int, area: float, *, crop="hoi", commune="Văn Quan", status=ReviewStatus.VERIFIED,
             kind=ZoneKind.PLANTING_AREA, created_at: datetime = ZONES_REGISTERED, certificates=()) -> int:
        """certificates: [(kind, issued_on, expires_on, status)]."""
        n = self._next()
        with self.context():
            zone = GrowingZone(code=f"LS-GS-{n:04d}", kind=kind, organisation_id=org_id,
                               commune_id=reference_data.commune_named(commune).id,
                               crop_id=db.session.scalar(sa.select(Crop.id).where(Crop.key == crop)),
                               area_ha=area, status=status, created_at=created_at)
            for cert_kind, issued_on, expires_on, cert_status in certificates:
                zone.certificates.append(Certificate(kind=cert_kind, number=f"CN-{self._next():05d}",
                                                     issuer="Cơ quan chứng nhận", issued_on=issued_on,
                                                     expires_on=expires_on, status=cert_status))
            db.session.add(zone)
            db.session.commit()
            return zone.id

    # --- OCOP products -------------------------------------------------------------------------------

    def product(self, org_id: int, stars: int, *, issued_on: date = date(2025, 6, 1),
                expires_on: date = date(2028, 6, 1), retailers=(), crop: str | None = None) -> int:
        n = self._next()
        with self.context():
            product = OcopProduct(
                organisation_id=org_id, name=f"Sản phẩm OCOP {n}", category="spice", stars=stars,
                certificate_number=f"OCOP-T-{n:04d}", certificate_issued_on=issued_on,
                certificate_expires_on=expires_on, unit="chai", price=150_000, stock=10,
                status=ProductStatus.PUBLISHED,
                crop_id=db.session.scalar(sa.select(Crop.id).where(Crop.key == crop)) if crop else None,
                retail_chains=[db.session.get(Organisation, r) for r in retailers])
            db.session.add(product)
            db.session.commit()
            return product.id

    # --- declared chains ----------------------------------------------------------------------------

    def declare(self, actor_id: int, org_id: int, *, started_on: date = date(2026, 2, 1),
                ended_on: date | None = None, partner="Công ty TNHH Thu mua Đồng Đăng", crop_id=None) -> int:
        with self.context():
            chain = chains.declare(db.session.get(User, actor_id),
                                   {"organisation_id": str(org_id), "partner_name": partner,
                                    "crop_id": str(crop_id or ""), "started_on": started_on, "ended_on": ended_on,
                                    "note": ""}, pdf())
            db.session.commit()
            return chain.id

    # --- reading the figures ------------------------------------------------------------------------

    def figures(self, as_of: date = AS_OF, commune: str | None = None, crop: str | None = None,
                locale: str = "vi") -> dict[str, targets.Figure]:
        with self.context():
            session["lang"] = locale  # the request speaks the same language as the figures asked for
            scope = self.scope(as_of, commune, crop)
            return {f.key: f for f in targets.compute(scope, locale)}

    def gettext(self, message: str, locale: str = "vi") -> str:
        """`message` as the app words it in `locale` (the Vietnamese catalogue may lag behind the code)."""
        with self.context():
            session["lang"] = locale
            return gettext(message)

    def scope(self, as_of: date = AS_OF, commune: str | None = None, crop: str | None = None) -> targets.Scope:
        """Call inside a context."""
        return targets.Scope(as_of=as_of, commune_id=reference_data.commune_named(commune).id if commune else None,
                             crop_id=db.session.scalar(sa.select(Crop.id).where(Crop.key == crop)) if crop else None)

    def values(self, *args, **kwargs) -> dict[str, float]:
        return {k: f.value for k, f in self.figures(*args, **kwargs).items()}

    def commune_id(self, name: str) -> int:
        with self.context():
            return reference_data.commune_named(name).id

    def crop_id(self, key: str) -> int:
        with self.context():
            return db.session.scalar(sa.select(Crop.id).where(Crop.key == key))


def card_value(html: str, key: str) -> str:
    """The figure shown on the dashboard card of `key` (the text of its <strong>)."""
    match = re.search(r'data-key="%s">.*?<p class="figure"><strong>([^<]*)</strong>' % re.escape(key), html, re.S)
    assert match, f"no card for {key}"
    return match.group(1)

