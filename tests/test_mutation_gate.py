"""The mutation rules judged by what an operation does: PATCHes that assign, deprecated operations, natural
keys and state changes (issue 16). Tests assert codes, anchors and severities."""
import pytest

from conftest import write
from replaylint.config import Config, config_from_mapping
from replaylint.engine import run

SPEC = """openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /profiles/{id}:
    patch:
      operationId: updateProfile
      responses: {"200": {description: ok}}
  /carts/{id}/items:
    patch:
      operationId: addCartItems
      summary: Add the given quantity of each item
      responses: {"200": {description: ok}}
  /accounts/{id}/balance:
    patch:
      summary: Credit the account
      responses: {"200": {description: ok}}
  /nodes/{id}:
    patch:
      operationId: patchNode
      requestBody: {content: {application/json-patch+json: {schema: {type: array}}}}
      responses: {"200": {description: ok}}
  /orders/legacy:
    post:
      operationId: createOrderLegacy
      deprecated: true
      responses: {"201": {description: ok}}
  /documents/verify:
    post:
      operationId: verifyDocument
      responses: {"200": {description: ok}}
"""

HANDLERS = """from fastapi import FastAPI

app = FastAPI()


@app.post("/orders/legacy", deprecated=True)
def create_order_legacy(body: dict):
    return orders.place(body)


@app.post("/payments/old")
def create_payment_old(body: dict):
    \"\"\".. deprecated:: 2.0 use POST /payments\"\"\"
    return payments.charge(body)


@app.post("/payments")
def create_payment(body: dict):
    return payments.charge(body)
"""


def found(project, name, text, **settings):
    write(project, name, text)
    result = run([name], config_from_mapping(settings) if settings else Config(root=project))
    return {(f.code, f.anchor, f.severity) for f in result.findings if not f.exempted and f.code in ("RPL101", "RPL301")}


def test_a_patch_is_a_key_finding_only_when_it_is_relative(project):
    anchors = {anchor for _, anchor, _ in found(project, "openapi.yaml", SPEC)}
    assert "PATCH /profiles/{id}" not in anchors  # assigns fields: the same state however often
    assert {"PATCH /carts/{id}/items", "PATCH /accounts/{id}/balance", "PATCH /nodes/{id}"} <= anchors
    assert "POST /documents/verify" not in anchors  # a check, not a mutation


@pytest.mark.parametrize("setting, expected", [(None, "info"), ("same", "error"), ("ignore", None)])
def test_deprecated_operations_and_handlers_are_reported_lower(project, setting, expected):
    settings = {"deprecated": setting} if setting else {}
    spec = {(a, s) for _, a, s in found(project, "openapi.yaml", SPEC, **settings)}
    code = {(a, s) for _, a, s in found(project, "app.py", HANDLERS, **settings)}
    legacy = {s for a, s in spec if a == "POST /orders/legacy"}
    assert legacy == ({expected} if expected else set())
    for name in ("app.create_order_legacy", "app.create_payment_old"):
        assert {s for a, s in code if a == name} == ({expected} if expected else set())
    assert ("app.create_payment", "error") in code  # not deprecated: as before


def test_the_deprecated_setting_is_checked(project):
    from replaylint.config import ConfigError

    with pytest.raises(ConfigError, match="deprecated"):
        config_from_mapping({"deprecated": "never"})


def test_harm_is_set_by_evidence_and_said(project):
    spec = found(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Ledger, version: "1"}
paths:
  /adjustments:
    post:
      operationId: createAdjustment
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount: {type: integer}, note: {type: string}}}
      responses: {"201": {description: ok}}
  /discounts:
    post:
      operationId: createDiscount
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount_off: {type: integer}}}
      responses: {"201": {description: ok}}
""")
    assert ("RPL101", "POST /adjustments", "error") in spec  # an amount moves money
    assert ("RPL101", "POST /discounts", "warning") in spec  # a discount's amount_off does not
    write(project, "views.py", """from django.core.mail import send_mail
from django.views.decorators.http import require_POST


@require_POST
def share_news(request):
    for member in Member.objects.all():
        send_mail("News", request.POST["body"], "team@example.com", [member.email])
    return redirect("home")
""")
    result = run(["views.py"], Config(root=project))
    (finding,) = [f for f in result.findings if f.code == "RPL301"]
    assert (finding.severity, finding.harm, finding.harm_reason) == ("error", "high", "it calls send_mail()")
    assert "(high harm: it calls send_mail())" in finding.message


STILL_FLAGGED = {
    "a state-change name over a body that moves money": '''
@app.post("/loans/{loan_id}/approve")
def approve_loan(loan_id: str):
    return stripe.Transfer.create(amount=100, currency="usd", destination="acct_1")
''',
    "a guard that is no duplicate check": '''
@app.post("/transfers")
def create_transfer(body: dict, db=Depends(get_db)):
    account = db.query(Account).filter(Account.owner == body["owner"]).first()
    if account.balance < body["amount"]:
        raise HTTPException(409, "insufficient funds")
    db.add(Transfer(account=account, amount=body["amount"]))
''',
    "an IntegrityError that is a missing customer": '''
@app.post("/orders")
def create_order(body: dict, db=Depends(get_db)):
    try:
        db.add(Order(customer_id=body["customer"]))
        db.commit()
    except IntegrityError:
        raise HTTPException(404, "no such customer")
''',
    "a charge before the unique row": '''
@app.post("/orders")
def create_order(body: dict, db=Depends(get_db)):
    stripe.Charge.create(amount=body["total"], currency="usd")
    try:
        db.add(Order(reference=body["reference"]))
        db.commit()
    except IntegrityError:
        raise HTTPException(409, "already exists")
''',
    "merge of a new row": '''
@app.post("/payments")
def create_payment(body: dict, db=Depends(get_db)):
    db.merge(Payment(amount=body["amount"]))
''',
    "an upsert that adds": '''
@app.post("/wallets/top-up")
async def top_up(body: dict, db=Depends(get_db)):
    await db.wallets.update_one({"owner": body["owner"]}, {"$inc": {"balance": body["amount"]}}, upsert=True)
''',
    "a method that writes, named like a read": '''
@app.post("/votes")
def vote(body: dict):
    r.lpush(body["poll"], body["choice"])  # `r.set` would be an assignment: the same state twice
    return {"ok": True}
''',
    "a docstring that is not a deprecation notice": '''
@app.post("/payments")
def create_payment(body: dict):
    """Deprecated fields `source` and `card` are ignored."""
    return payments.charge(body)
''',
}


STILL_FLAGGED.update({  # from the review of the change that let natural keys, assignments and edits pass
    "a charge inside the try that a unique constraint answers": '''
@app.post("/payments")
def create_payment(body: dict, db=Depends(get_db)):
    try:
        stripe.Charge.create(amount=body["amount"], source=body["source"])
        db.add(Payment(reference=body["reference"]))
        db.commit()
    except IntegrityError:
        raise HTTPException(409, "already paid")
''',
    "a payment built field by field and saved": '''
@app.post("/payments")
def create_payment(body: dict):
    payment = Payment()
    payment.user_id = body["user"]
    payment.save()
''',
    "a balance assigned from itself": '''
@app.post("/wallets/{wallet_id}/credit")
def credit(wallet_id: str, body: dict, db=Depends(get_db)):
    wallet = db.get(Wallet, wallet_id)
    wallet.balance = wallet.balance + body["amount"]
    db.commit()
''',
    "an assignment and a mail delivered": '''
@app.post("/profiles/{user_id}/email")
def change_email(user_id: str, body: dict, db=Depends(get_db)):
    user = db.get(User, user_id)
    user.email = body["email"]
    mailer.deliver(welcome_message(user))
''',
    "a refusal that is no repeat": '''
@app.post("/orders")
def create_order(body: dict, db=Depends(get_db)):
    product = db.get(Product, body["product"])
    if product is None:
        raise HTTPException(404, "This product no longer exists")
    db.add(Order(product=product))
''',
    "a state verb whose body adds rows": '''
@app.post("/accounts/{account_id}/sync")
def sync_account(account_id: str, db=Depends(get_db)):
    for tx in bank.pull(account_id):
        db.add(Transaction(account_id=account_id, amount=tx.amount))
''',
    "a relation appended to": '''
@app.post("/accounts/{account_id}/transactions")
def record_transaction(account_id: str, body: dict, db=Depends(get_db)):
    account = db.get(Account, account_id)
    account.status = "active"
    account.history.append(Transaction(amount=body["amount"]))
''',
    "a payment confirmed beside an assignment": '''
@app.post("/accounts/{account_id}/topup")
def top_up(account_id: str, body: dict, db=Depends(get_db)):
    account = db.get(Account, account_id)
    account.last_topup = body["amount"]
    stripe.PaymentIntent.confirm(body["intent"])
''',
})


@pytest.mark.parametrize("case", sorted(STILL_FLAGGED))
def test_shapes_that_look_safe_but_are_not_stay_flagged(project, case):
    source = "from fastapi import Depends, FastAPI, HTTPException\n\napp = FastAPI()\n\n" + STILL_FLAGGED[case]
    found_ = found(project, "app.py", source)
    assert {(code, severity) for code, _, severity in found_} & {("RPL301", "error"), ("RPL301", "warning")}, found_


def test_unique_fields_are_read_field_by_field():
    from replaylint.python.unique_models import unique_models

    text = '''class Order(models.Model):
    reference = models.CharField(max_length=32, unique=True,
                                 default=make_reference)
    code = models.CharField(
        max_length=8,
        unique=True,
    )
    total = models.IntegerField()

    def clean(self):
        validate(unique=True)


class Booking(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE)
    night = models.DateField()

    class Meta:
        unique_together = ("room", "night")
        constraints = [UniqueConstraint(fields=["room"], condition=Q(active=True), name="one_active")]

    def __str__(self):
        return "guest"
'''
    assert unique_models(text) == {"Order": (("code",),), "Booking": (("room", "night"),)}


def test_read_verbs_and_patch_summaries_are_read_with_their_evidence(project):
    anchors = {anchor for _, anchor, _ in found(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Wallets, version: "1"}
paths:
  /wallets/{id}/convert:
    post:
      operationId: convertBalance
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount: {type: integer}, currency: {type: string}}}
      responses: {"200": {description: ok}}
  /phone/verify:
    post:
      summary: Send an SMS verification code
      responses: {"200": {description: ok}}
  /documents/verify:
    post:
      summary: Check a document's signature
      responses: {"200": {description: ok}}
  /carts/{id}:
    patch:
      summary: Adds items to the cart
      responses: {"200": {description: ok}}
  /profiles/{id}:
    patch:
      summary: Updates the address of the profile
      responses: {"200": {description: ok}}
""")}
    assert {"POST /wallets/{id}/convert", "POST /phone/verify", "PATCH /carts/{id}"} <= anchors
    assert not {"POST /documents/verify", "PATCH /profiles/{id}"} & anchors


def test_an_operation_in_the_spec_and_in_its_handler_has_one_harm(project):
    write(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Payouts, version: "1"}
paths:
  /jobs:
    post:
      operationId: createPayout
      responses: {"201": {description: ok}}
""")
    write(project, "app.py", """from fastapi import FastAPI

app = FastAPI()


@app.post("/jobs")
def make(body: dict):
    return ledger.record(body)
""")
    result = run(["."], Config(root=project))
    by_code = {f.code: f for f in result.findings if f.code in ("RPL101", "RPL301")}
    assert (by_code["RPL101"].severity, by_code["RPL301"].severity) == ("error", "error")
    assert by_code["RPL301"].harm == "high"
    assert by_code["RPL301"].harm_reason == "from the spec's POST /jobs: its name mentions 'payout'"


def test_updates_and_state_changes_of_an_addressed_thing_need_no_key(project):
    anchors = {anchor for _, anchor, _ in found(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Print, version: "1"}
paths:
  /cards:
    post:
      operationId: createCard
      responses: {"201": {description: ok}}
  /cards/{card_id}:
    get:
      operationId: getCard
      responses: {"200": {description: ok}}
    post:
      operationId: updateCard
      responses: {"200": {description: ok}}
  /cards/{card_id}/cancel:
    post:
      operationId: cancelCard
      responses: {"200": {description: ok}}
  /cards/{card_id}/orders:
    post:
      operationId: orderCards
      responses: {"201": {description: ok}}
  /accounts/{account_id}:
    get:
      operationId: getAccount
      responses: {"200": {description: ok}}
    post:
      operationId: creditAccount
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount: {type: integer}}}
      responses: {"200": {description: ok}}
  /us_verifications:
    post:
      operationId: verifyAddress
      responses: {"200": {description: ok}}
  /orders/bulk-delete:
    post:
      summary: Deletes the given orders
      responses: {"200": {description: ok}}
  /invoices/{invoice_id}/cancel:
    post:
      summary: Cancels a sent invoice and notifies the payer
      responses: {"200": {description: ok}}
""")}
    assert anchors == {"POST /cards", "POST /cards/{card_id}/orders", "POST /accounts/{account_id}"}


def test_routes_registered_on_instances_keep_their_class(project):
    """`web.post("/apps/{app}/options", api_apps.options)` registers APIApps.options, not every class's
    `options`: the path in each finding is its own class's."""
    write(project, "api/__init__.py", """from aiohttp import web

from .apps import APIApps
from .backups import APIBackups


class RestAPI:
    def __init__(self):
        self._api_backups: APIBackups = APIBackups()

    def register(self, app):
        api_apps = APIApps()
        api_backups = self._api_backups
        app.add_routes([web.post("/apps/{app}/install", api_apps.install),
                        web.post("/backups/install", api_backups.install)])
""")
    for name, cls in (("apps", "APIApps"), ("backups", "APIBackups")):
        write(project, f"api/{name}.py", f"""from aiohttp import web


class {cls}:
    async def install(self, request: web.Request):
        return await manager.install_new(await request.json())
""")
    result = run(["."], Config(root=project))
    paths = sorted((f.path, f.message.split(" handler")[0]) for f in result.findings if f.code == "RPL301")
    assert paths == [("api/apps.py", "POST /apps/{app}/install"), ("api/backups.py", "POST /backups/install")]


def test_resources_on_a_base_imported_by_name_are_judged_by_their_body(project):
    """`from app.auth import AuthenticatedResource` (a flask_restful Resource written elsewhere): its
    subclasses are handlers; a sign-in, an export, a refusal said in an f-string and a PUT that only
    parses its arguments are not key findings."""
    write(project, "app/__init__.py", "")
    write(project, "app/auth.py", "from flask_restful import Resource\n\n\nclass AuthenticatedResource(Resource):\n"
                                  "    method_decorators = []\n")
    write(project, "app/views.py", """from flask import request
from flask_restful import reqparse

from app.auth import AuthenticatedResource


class CertificatesList(AuthenticatedResource):
    def post(self):
        return service.create(**request.json)


class OAuth2(AuthenticatedResource):
    def post(self):
        return exchange_code(request.json["code"])


class CertificateExport(AuthenticatedResource):
    def post(self, certificate_id):
        return render_export(certificate_id, request.json["format"])


class DomainsList(AuthenticatedResource):
    def post(self):
        name = request.json["name"]
        if name in registry:
            raise Conflict(f"A domain named {name} already exists")
        return service.create(name=name)


class Certificates(AuthenticatedResource):
    def __init__(self):
        self.reqparse = reqparse.RequestParser()

    def put(self, certificate_id):
        self.reqparse.add_argument("owner", type=str)
        certificate = service.get(certificate_id)
        certificate.owner = self.reqparse.parse_args()["owner"]
        return service.update(certificate)
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["app.views.CertificatesList.post"]


def test_actions_on_a_thing_addressed_by_path_or_body_need_no_key(project):
    """Hetzner-style `/{id}/actions/<verb>`, `/<verb>/{id}`, RPC-style `/transfer/cancel` naming the
    transfer in a required body field, a list whose body filters by amount; not an action that moves money
    nor a cancel that names nothing."""
    anchors = {anchor for _, anchor, _ in found(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Cloud, version: "1"}
paths:
  /servers/{id}/actions/poweron:
    post: {operationId: power_on_server, responses: {"201": {description: action}}}
  /servers/{id}/actions/change_protection:
    post: {operationId: change_server_protection, responses: {"201": {description: action}}}
  /servers/{id}/actions/add_to_placement_group:
    post: {operationId: add_server_to_placement_group, responses: {"201": {description: action}}}
  /servers/{id}/actions/create_image:
    post: {operationId: create_server_image, responses: {"201": {description: action}}}
  /signature_request/cancel/{signature_request_id}:
    post: {operationId: signatureRequestCancel, responses: {"200": {description: ok}}}
  /transfer/cancel:
    post:
      operationId: transferCancel
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [transfer_id]
              properties: {client_id: {type: string}, transfer_id: {type: string}}
      responses: {"200": {description: ok}}
  /payout/cancel:
    post:
      operationId: payoutCancel
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [client_id], properties: {client_id: {type: string}}}
      responses: {"200": {description: ok}}
  /transfer/sweep/list:
    post:
      operationId: transferSweepList
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {amount: {type: string}, count: {type: integer}}}
      responses: {"200": {description: ok}}
  /wallets/{id}/actions/refund:
    post: {operationId: refund_wallet, responses: {"201": {description: action}}}
""")}
    assert anchors == {"POST /servers/{id}/actions/create_image", "POST /payout/cancel",
                       "POST /wallets/{id}/actions/refund"}


def test_a_required_field_the_spec_says_is_unique_is_a_natural_key(project):
    anchors = {anchor for _, anchor, _ in found(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Cloud, version: "1"}
paths:
  /volumes:
    post:
      operationId: create_volume
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name, size]
              properties:
                name: {type: string, description: Name of the volume. Must be unique per project.}
                size: {type: integer}
      responses: {"201": {description: ok}}
  /snapshots:
    post:
      operationId: create_snapshot
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                label: {type: string, description: A label, unique within the project when given.}
                id: {type: string, readOnly: true, description: Unique id of the snapshot.}
      responses: {"201": {description: ok}}
""")}
    assert anchors == {"POST /snapshots"}  # an optional unique label names no intent


def test_a_service_that_builds_a_unique_row_from_its_parameters_is_a_natural_key(project):
    """`service.create(**data)` where the service's `create(name, ...)` builds `Role(name=name)` and the
    model's `name` is unique: a repeat is refused. A service that builds its row from `**kwargs` is not
    known to."""
    write(project, "app/__init__.py", "")
    write(project, "app/models.py", """from sqlalchemy import Column, String


class Role(Base):
    name = Column(String(128), unique=True)


class Certificate(Base):
    name = Column(String(256), unique=True)
""")
    write(project, "app/roles.py", """from app.models import Role


def create(name, description=None):
    return database.create(Role(name=name, description=description))
""")
    write(project, "app/certificates.py", """from app.models import Certificate


def create(**kwargs):
    return database.create(Certificate(**kwargs))
""")
    write(project, "app/views.py", """from flask import Blueprint, request

from app import certificates, roles

api = Blueprint("api", __name__)


@api.route("/roles", methods=["POST"])
def create_role():
    data = request.get_json()
    return roles.create(**data)


@api.route("/certificates", methods=["POST"])
def create_certificate():
    data = request.get_json()
    return certificates.create(**data)
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["app.views.create_certificate"]


def test_a_service_given_the_request_by_position_builds_its_unique_row_from_it(project):
    """`users.create(data["username"], data.get("password"), None)`: every value passed is the request's
    (a `.get` of it, or a literal `None` left out), so the unique `username` is the request's natural key;
    a value the handler makes up (`token_hex()`) is not."""
    write(project, "app/__init__.py", "")
    write(project, "app/models.py", """from sqlalchemy import Column, String


class User(Base):
    username = Column(String(128), unique=True)
""")
    write(project, "app/users.py", """from app.models import User


def create(username, password, picture):
    return database.create(User(username=username, password=password, picture=picture))
""")
    write(project, "app/views.py", """from flask import Blueprint
from secrets import token_hex

from app import users

api = Blueprint("api", __name__)


@api.route("/users", methods=["POST"])
def create_user(data=None):
    return users.create(data["username"], data.get("password"), None)


@api.route("/guests", methods=["POST"])
def create_guest(data=None):
    return users.create(token_hex(), data.get("password"), None)
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["app.views.create_guest"]


def test_a_singleton_service_of_another_module_that_refuses_a_repeat_guards_the_handler(project):
    """`from .service import customer as customer_service` where `customer = CustomerService()` and its
    `create` refuses an existing email, or raises an error named for a repeat (`EndpointAlreadyRegistered`): the
    repeat is refused. A service method that refuses nothing guards nothing."""
    write(project, "shop/__init__.py", "")
    write(project, "shop/service.py", """class CustomerService:
    async def create(self, session, body):
        if await session.find(email=body.email):
            raise ValidationFailed("A customer with this email address already exists.")
        return await session.insert(body)

    async def create_note(self, session, body):
        return await session.insert(body)


class EndpointService:
    async def register(self, session, body):
        if await session.find(url=body.url):
            raise EndpointAlreadyRegistered(body.url)
        return await session.insert(body)


customer = CustomerService()
endpoint = EndpointService()
""")
    write(project, "shop/endpoints.py", """from fastapi import APIRouter

from .service import customer as customer_service
from .service import endpoint as endpoint_service

router = APIRouter()


@router.post("/customers")
async def create_customer(body: CustomerIn, session=Depends(get_session)):
    return await customer_service.create(session, body)


@router.post("/endpoints")
async def create_endpoint(body: EndpointIn, session=Depends(get_session)):
    return await endpoint_service.register(session, body)


@router.post("/notes")
async def create_note(body: NoteIn, session=Depends(get_session)):
    return await customer_service.create_note(session, body)
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["shop.endpoints.create_note"]


def test_a_refusal_found_by_name_when_imports_cannot_say_where_it_lives(project):
    """A serializer handed over by an app loader (`RegisterSerializer = get_classes(...)`) used as the view's
    `serializer_class`, whose `validate` refuses an existing email; a manager method reached through
    `self.sys.apps.install`, passed on to a background task, that raises `AppAlreadyInstalledError`. A method
    name two classes refuse with, or a common one, tells nothing."""
    write(project, "core/__init__.py", "")
    write(project, "core/serializers.py", """from rest_framework import serializers


class RegisterSerializer(serializers.Serializer):
    def validate(self, attrs):
        if User.objects.filter(email=attrs["email"]).exists():
            raise serializers.ValidationError("A user with this email already exists")
        return attrs
""")
    write(project, "core/apps.py", """class AppManager:
    async def install(self, slug):
        if slug in self.local:
            raise AppAlreadyInstalledError(slug)
        await self._install(slug)

    async def create(self, slug):
        if slug in self.local:
            raise AppAlreadyInstalledError(slug)


class StoreManager:
    async def create(self, url):
        if url in self.urls:
            raise RepositoryAlreadyAddedError(url)
""")
    write(project, "core/views.py", """from aiohttp import web
from rest_framework.views import APIView

RegisterSerializer = get_classes("core.serializers", ["RegisterSerializer"])[0]


class RegistrationView(APIView):
    serializer_class = RegisterSerializer

    def post(self, request):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.save()


class APIStore:
    async def app_install(self, request: web.Request):
        task = await background_task(self, self.sys.apps.install, request.match_info["slug"])
        return await task

    async def app_create(self, request: web.Request):
        return await self.sys.apps.create(request.match_info["slug"])


def setup(app):
    store = APIStore()
    app.add_routes([web.post("/store/apps/{slug}/install", store.app_install),
                    web.post("/store/apps", store.app_create)])
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["core.views.APIStore.app_create"]


def test_a_refusal_by_name_never_borrows_another_module_s_or_class_s(project):
    """Review of the by-name fallback: a serializer named like another app's refusing one, but imported from
    a module that refuses nothing; a method named like another class's refusing one, reached through a
    holder named for something else; a docstring that says "already"; a string of the next class's body."""
    write(project, "events/__init__.py", "")
    write(project, "events/serializers.py", """class OrderSerializer(Serializer):
    def validate_name(self, name):
        if Order.objects.filter(name=name).exists():
            raise ValidationError("An order with this name already exists")
        return name
""")
    write(project, "events/services.py", """class EventService:
    def enroll(self, user, event):
        if event.has(user):
            raise ValueError("already enrolled")


class LicenseService:
    def renew(self, licence):
        \"\"\"Renew: the card was already checked.\"\"\"
        gateway.bill(licence)
        if not licence.ok:
            raise ValueError("declined")
    def extend(self, licence):
        return licence


class Other:
    error_messages = {"duplicate": "an error: already placed"}
""")
    write(project, "shop/__init__.py", "")
    write(project, "shop/serializers.py", """class OrderSerializer(Serializer):
    class Meta:
        fields = ["name"]
""")
    write(project, "shop/views.py", """from fastapi import APIRouter
from rest_framework.views import APIView

from shop.serializers import OrderSerializer

router = APIRouter()


class OrderView(APIView):
    def post(self, request):
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.save()


@router.post("/courses/{course_id}/enrollments")
async def enroll(course_id: str, body: EnrollIn):
    return await billing.enroll(body.user, course_id)


@router.post("/licenses/{licence_id}/renewals")
async def renew(licence_id: str, body: RenewIn):
    return await licences.renew(body)


@router.post("/licenses/{licence_id}/extensions")
async def extend(licence_id: str, body: RenewIn):
    return await licences.extend(body)
""")
    result = run(["."], Config(root=project))
    assert sorted(f.anchor for f in result.findings if f.code == "RPL301") == [
        "shop.views.OrderView.post", "shop.views.enroll", "shop.views.extend", "shop.views.renew"]


def test_reads_memberships_and_documented_duplicates_need_no_key(project):
    """`/get-<nouns>` reads (not `/get-started`), JSON:API relationship members, and a create whose 409 says
    the thing already exists (not a 409 that says something else)."""
    anchors = {anchor for _, anchor, _ in found(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Ship, version: "1"}
paths:
  /get-dynamic-service-rates:
    post: {responses: {"200": {description: rates}}}
  /get-started:
    post: {responses: {"201": {description: a workspace}}}
  /users/{user_id}/relationships/scopes:
    post: {responses: {"204": {description: added}}}
  /users:
    post:
      responses:
        "201": {description: created}
        "409": {description: A user with this username already exists.}
  /shipments:
    post:
      responses:
        "201": {description: created}
        "409": {description: The shop is not yet activated.}
  /providers/{code}/connect:
    post: {responses: {"200": {description: connected}}}
""")}
    assert anchors == {"POST /get-started", "POST /shipments"}


def test_a_form_views_form_valid_is_its_post(project):
    """Django runs `form_valid` on a valid POST: a `FormView`/`CreateView` that saves the form makes a row
    each time; an `UpdateView`'s saves the object its URL addresses."""
    write(project, "views.py", """from django.views.generic import FormView, UpdateView


class TicketCreate(FormView):
    def form_valid(self, form):
        ticket = form.save()
        return redirect(ticket)


class TicketEdit(UpdateView):
    def form_valid(self, form):
        form.save()
        return redirect("tickets")
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["views.TicketCreate.form_valid"]


def test_a_validator_or_service_that_refuses_what_exists_is_a_natural_key(project):
    """A form whose `validate_*` raises "already exists" and a typed service whose `create` does refuse the
    repeat; a service that pays is not trusted to refuse before it moves the money."""
    write(project, "app/__init__.py", "")
    write(project, "app/forms.py", """class ProjectForm(FlaskForm):
    def validate_id(self, field):
        if Project.query.get(field.data):
            message = "A project with this identifier already exists"
            raise ValidationError(message)
""")
    write(project, "app/services.py", """class CustomerService:
    async def create(self, data):
        if await self.repository.get_by_email(data.email):
            raise Conflict("A customer with this email already exists")
        return await self.repository.create(Customer(**data))


async def pay_invoice(bolt11):
    if await already_paid(bolt11):
        raise PaymentError("This invoice is already paid")
    return await wallet.pay(bolt11)
""")
    write(project, "app/views.py", """from fastapi import FastAPI
from flask import Blueprint, request

from app.forms import ProjectForm
from app.services import CustomerService, pay_invoice

api = Blueprint("api", __name__)
app = FastAPI()


@api.route("/projects", methods=["POST"])
def create_project():
    form = ProjectForm(request.form)
    if form.validate():
        db.session.add(form.save())
        db.session.commit()


@app.post("/customers")
async def create_customer(data: dict, customers: CustomerService):
    return await customers.create(data)


@app.post("/payments")
async def create_payment(data: dict):
    return await pay_invoice(data["bolt11"])
""")
    result = run(["."], Config(root=project))
    assert [f.anchor for f in result.findings if f.code == "RPL301"] == ["app.views.create_payment"]


def test_spec_shapes_that_look_safe_but_are_not_stay_flagged(project):
    """From the review: a `get` that names an amount, a unique reference to another thing, "not unique", a
    409 about another resource, and a body-addressed action that completes or starts something."""
    def body(required, **props):
        return {"content": {"application/json": {"schema": {"type": "object", "required": required,
                                                              "properties": props}}}}
    ok = {"201": {"description": "ok"}}
    spec = {"openapi": "3.0.3", "info": {"title": "Pay", "version": "1"}, "paths": {
        "/payment-links/get-payment-link": {"post": {"requestBody": body([], amount={"type": "integer"}),
                                                     "responses": ok}},
        "/charges": {"post": {"requestBody": body(["customer_id"], customer_id={
            "type": "string", "description": "The customer, unique within your account."}), "responses": ok}},
        "/orders": {"post": {"requestBody": body(["line"], line={
            "type": "string", "description": "The line. Not unique per order."}), "responses": ok}},
        "/transfers": {"post": {"responses": {**ok, "409": {"description": "The account is already in use by "
                                                                          "another transfer."}}}},
        "/checkout/complete": {"post": {"requestBody": body(["checkout_id"], checkout_id={"type": "string"}),
                                        "responses": ok}},
    }}
    import json as _json
    anchors = {anchor for _, anchor, _ in found(project, "openapi.json", _json.dumps(spec))}
    assert anchors == {"POST /payment-links/get-payment-link", "POST /charges", "POST /orders", "POST /transfers",
                       "POST /checkout/complete"}
