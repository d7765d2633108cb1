"""Spec and code together: which spec serves which code, path shapes, and what the cross-check rules report
(codes and places; the rules' own examples run in test_rule_examples)."""
import pytest

from conftest import write
from replaylint.config import ConfigError, config_from_mapping
from replaylint.crosscheck.routes import canonical

SPEC = """openapi: 3.0.3
info: {{title: {title}, version: "1"}}
paths:
  {path}:
    post:
      operationId: {op}
      parameters:
        - {{name: Idempotency-Key, in: header, required: true, schema: {{type: string}}}}
      responses:
        "201": {{description: done}}
"""

APP = """from fastapi import FastAPI

app = FastAPI()


@app.post("{path}")
async def {name}(body: dict):
    return await store.insert(body)
"""


def findings(project, config=None, paths=(".",)):
    from replaylint.config import Config
    from replaylint.engine import run

    result = run(list(paths), config or Config(root=project))
    assert not result.problems, [p.message for p in result.problems]
    return result, sorted((f.span.path, f.span.line, f.code) for f in result.findings
                          if f.code.startswith("RPL4") and not f.exempted)


@pytest.mark.parametrize("path, shape", [
    ("/orders/{id}/", ("orders", "{}")),
    ("orders/<int:pk>", ("orders", "{}")),
    ("/orders/:id", ("orders", "{}")),
    ("/orders/{id:int}", ("orders", "{}")),
    (r"^orders/(?P<pk>[^/.]+)/$", ("orders", "{}")),
    (r"^files/(?P<path>.+/)refund\.json$", ("files", "{}refund.json")),
    ("/accounts/{Sid}/Calls.json", ("accounts", "{}", "Calls.json")),
])
def test_path_templates_of_every_framework_have_one_shape(path, shape):
    assert canonical(path) == shape


def test_each_service_of_a_monorepo_is_checked_against_its_own_spec(project):
    write(project, "billing/openapi.yaml", SPEC.format(title="Billing", path="/invoices", op="createInvoice"))
    write(project, "billing/app/main.py", APP.format(path="/invoices", name="create_invoice"))
    write(project, "shop/spec/openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder"))
    write(project, "shop/src/main.py", APP.format(path="/orders", name="create_order") + """

@app.post("/invoices")
async def create_shop_invoice(body: dict):
    return await store.insert(body)
""")
    result, found = findings(project)
    # each handler ignores its own spec's key; shop's /invoices is not in shop's spec, though billing's has it
    assert found == [("billing/app/main.py", 7, "RPL401"), ("shop/src/main.py", 7, "RPL401"),
                     ("shop/src/main.py", 12, "RPL403")]
    assert [(api["specs"], api["matched"]) for api in result.crosscheck["apis"]] == \
        [(["billing/openapi.yaml"], 1), (["shop/spec/openapi.yaml"], 1)]


def test_a_vendored_spec_that_the_code_does_not_serve_is_not_its_contract(project):
    write(project, "vendor/stripe.yaml", SPEC.format(title="Stripe", path="/v1/charges", op="PostCharges"))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    result, found = findings(project)
    assert found == []  # no RPL403 against a spec none of whose operations the app serves
    assert result.crosscheck["apis"] == []


def test_configured_apis_pair_a_spec_with_code_elsewhere_and_report_missing_routes(project):
    write(project, "contracts/public.yaml", SPEC.format(title="Public", path="/v1/orders", op="createOrder"))
    write(project, "contracts/unrelated/openapi.yaml", SPEC.format(title="Other", path="/x", op="x"))
    write(project, "services/shop/api.py", APP.format(path="/refunds", name="create_refund"))
    config = config_from_mapping({"apis": {"shop": {"spec": "contracts/public.yaml", "code": ["services/shop"]}}},
                                 root=project)
    result, found = findings(project, config)
    assert found == [("services/shop/api.py", 7, "RPL403")]  # named by config: judged though nothing matched
    assert result.crosscheck["apis"][0]["name"] == "shop"


def test_cross_check_can_be_turned_off(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder"))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    _, on = findings(project)
    assert on == [("app.py", 7, "RPL401")]
    result, off = findings(project, config_from_mapping({"cross-check": False}, root=project))
    assert off == [] and result.crosscheck == {}
    assert any(f.code == "RPL301" for f in result.findings)  # the single-input rule speaks again


@pytest.mark.parametrize("raw, message", [
    ({"apis": {"shop": {"spec": "a.yaml"}}}, "apis.shop: missing `code`"),
    ({"apis": {"shop": {"spec": "a.yaml", "code": "x", "prefix": "/v1"}}}, "apis.shop.prefix: unknown setting"),
    ({"apis": {"shop": "a.yaml"}}, "apis.shop: expected a table"),
    ({"apis": {"shop": {"spec": [], "code": "x"}}}, "apis.shop.spec: expected at least one"),
    ({"cross-check": "no"}, "cross-check: expected true or false"),
])
def test_bad_api_settings_are_named(raw, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        config_from_mapping(raw)


def test_selecting_only_the_cross_check_rules_still_reads_the_routes(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder"))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    from replaylint.config import Config
    from replaylint.engine import run

    result = run(["."], Config(root=project), select=["RPL401"])
    assert [(f.span.path, f.span.line, f.code) for f in result.findings] == [("app.py", 7, "RPL401")]


def test_copies_of_one_spec_are_one_contract(project):
    spec = SPEC.format(title="Shop", path="/shop/orders", op="createOrder")
    write(project, "openapi.yaml", spec)
    write(project, "dist/bundled.yaml", spec)
    write(project, "app/orders.py", APP.replace("from fastapi import FastAPI", "from fastapi import APIRouter")
          .replace("app = FastAPI()", "app = APIRouter()  # mounted at /shop elsewhere")
          .format(path="/orders", name="create_order"))
    _, found = findings(project)
    assert found == [("app/orders.py", 7, "RPL401")]


def test_a_second_handler_of_an_operation_is_not_missing_from_the_spec(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder"))
    write(project, "app.py", APP.format(path="/orders", name="create_order") +
          APP.split("\n\n\n", 1)[1].format(path="/orders", name="create_order_again"))
    _, found = findings(project)
    assert ("app.py", 12, "RPL403") not in found and ("app.py", 7, "RPL401") in found


def test_an_unparseable_server_url_costs_no_finding(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder")
          .replace("paths:", 'servers: [{url: "http://[::1"}]\npaths:'))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    _, found = findings(project)
    assert found == [("app.py", 7, "RPL401")]


def test_connexion_async_handlers_and_exact_names_win(project):
    write(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /payouts:
    x-openapi-router-controller: shop.payouts
    post:
      operationId: create
      parameters:
        - {name: Idempotency-Key, in: header, required: true, schema: {type: string}}
      responses:
        "201": {description: done}
""")
    write(project, "shop/__init__.py", "")
    write(project, "shop/payouts.py", "async def create(body):\n    return await payouts.insert(body), 201\n")
    write(project, "old/shop/payouts.py", "def create(body):\n    return payouts.insert(body), 201\n")
    _, found = findings(project)
    assert found == [("shop/payouts.py", 1, "RPL401")]


def test_a_one_file_run_does_not_call_cross_check_exemptions_unused(project):
    write(project, "app.py", APP.format(path="/orders", name="create_order").replace(
        "@app.post", "# replaylint: allow[RPL401] -- the gateway keeps the key\n@app.post"))
    from replaylint.config import Config
    from replaylint.engine import run

    result = run(["app.py"], Config(root=project))
    assert "RPL002" not in {f.code for f in result.findings}


def test_a_route_on_the_app_itself_is_not_matched_under_a_longer_path(project):
    write(project, "openapi.yaml", SPEC.format(title="Admin", path="/admin/orders", op="adminCreateOrder"))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    write(project, "routers.py", APP.replace("from fastapi import FastAPI", "from fastapi import APIRouter")
          .replace("app = FastAPI()", "app = APIRouter()").format(path="/orders", name="create_order_mounted"))
    _, found = findings(project)
    # the router's route is mounted elsewhere and may be /admin/orders; the app's own /orders is not, and is
    # missing from the spec
    assert found == [("app.py", 7, "RPL403"), ("routers.py", 7, "RPL401")]


def test_per_file_ignores_of_the_cross_check_finding_give_back_the_one_it_replaced(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder"))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    result, found = findings(project, config_from_mapping({"per-file-ignores": {"app.py": ["RPL401"]}},
                                                          root=project))
    assert found == [] and ("app.py", 7, "RPL301") in {(f.span.path, f.span.line, f.code) for f in result.findings}


def test_a_generated_spec_keeps_its_own_exemptions(project):
    write(project, "openapi.yaml", """openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /orders:
    post:
      operationId: create_order_orders_post
      x-replaylint-allow: [{rule: RPL105, reason: the outcome is mailed to the caller}]
      parameters:
        - {name: Idempotency-Key, in: header, required: true, schema: {type: string}}
      responses:
        "201": {description: done}
        "409": {description: in flight}
components:
  schemas:
    HTTPValidationError: {type: object}
    ValidationError: {type: object}
""")
    write(project, "app.py", APP.replace("from fastapi import FastAPI", "from fastapi import FastAPI, Header")
          .replace("body: dict)", "body: dict, idempotency_key: str = Header(..., alias='Idempotency-Key'))")
          .replace("store.insert(body)", "store.insert_once(idempotency_key, body)")
          .format(path="/orders", name="create_order"))
    from replaylint.config import Config
    from replaylint.engine import run

    result = run(["."], Config(root=project))
    assert [(f.span.path, f.code, f.exempted) for f in result.findings] == [("openapi.yaml", "RPL105", True)]


DJANGO_SPEC = """openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
""" + "".join(f"""  {path}:
    post:
      operationId: {op}
      parameters:
        - {{name: Idempotency-Key, in: header, required: true, schema: {{type: string}}}}
      responses:
        "201": {{description: done}}
""" for path, op in [("/api/orders/", "orders_create"), ("/api/v1/payouts/", "payouts_create"),
                     ("/admin/refunds/{pk}/", "refunds_create")])


def test_django_url_tables_give_views_their_full_paths(project):
    """A router mounted from another module, a list of patterns included inline, a named list included by
    keyword arguments, and a regex route with an optional non-capturing group."""
    write(project, "openapi.yaml", DJANGO_SPEC)
    write(project, "shop/__init__.py", "")
    write(project, "shop/views.py", """from rest_framework import viewsets
from rest_framework.views import APIView


class OrderViewSet(viewsets.ModelViewSet):
    def create(self, request):
        return Order.objects.create(**request.data)


class PayoutView(APIView):
    def post(self, request):
        return Payout.objects.create(**request.data)


class RefundView(APIView):
    def post(self, request, pk):
        return Refund.objects.create(order_id=pk, **request.data)
""")
    write(project, "shop/routers.py", """from rest_framework.routers import DefaultRouter

from shop.views import OrderViewSet

router = DefaultRouter()
router.register("orders", OrderViewSet)
""")
    write(project, "config/urls.py", """from django.urls import include, path, re_path

from shop import views
from shop.routers import router

extra = [re_path(r"^refunds/(?P<pk>[0-9]+)/(?:extra/)?$", views.RefundView.as_view())]

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/v1/", include([path("payouts/", views.PayoutView.as_view())])),
    path(route="admin/", view=include(extra)),
]
""")
    result, found = findings(project)
    assert found == [("shop/views.py", 6, "RPL401"), ("shop/views.py", 11, "RPL401"),
                     ("shop/views.py", 16, "RPL401")]
    assert result.crosscheck["apis"][0]["matched"] == 3


def test_a_configured_api_that_names_no_file_is_said(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder"))
    write(project, "app.py", APP.format(path="/orders", name="create_order"))
    config = config_from_mapping({"apis": {"shop": {"spec": "openapi.yaml", "code": "nope/"}}}, root=project,
                                 source="replaylint.toml")
    result, found = findings(project, config)
    assert found == [("app.py", 7, "RPL401")]  # the pair is still found by default
    assert [n.message for n in result.notes if "apis.shop" in n.message]


def test_a_handler_serving_two_keyed_operations_is_reported_once(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/orders", op="createOrder") + """    put:
      operationId: putOrder
      parameters:
        - {name: Idempotency-Key, in: header, required: true, schema: {type: string}}
      responses:
        "200": {description: done}
""")
    write(project, "app.py", APP.replace('@app.post("{path}")', '@app.api_route("{path}", methods=["POST", "PUT"])')
          .format(path="/orders", name="create_order"))
    _, found = findings(project)
    assert found == [("app.py", 7, "RPL401")]


def test_routers_mounted_in_another_module_are_matched_under_their_prefixes(project):
    """Two versions of one route: the ending alone is ambiguous, the mounts say which is which."""
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/v1/orders", op="createOrderV1") + """  /v2/orders:
    post:
      operationId: createOrderV2
      responses:
        "201": {description: done}
""")
    router = APP.replace("from fastapi import FastAPI", "from fastapi import APIRouter").replace(
        "app = FastAPI()", "router = APIRouter()").replace("@app.", "@router.")
    write(project, "shop/__init__.py", "")
    write(project, "shop/v1.py", router.format(path="/orders", name="create_order"))
    write(project, "shop/v2.py", router.replace("body: dict)", "body: dict, idempotency_key: str = Header(...))")
          .replace("import APIRouter", "import APIRouter, Header").format(path="/orders", name="create_order"))
    write(project, "shop/main.py", """from fastapi import FastAPI

from shop import v1, v2

app = FastAPI()
app.include_router(v1.router, prefix="/v1")
app.include_router(v2.router, prefix="/v2")
""")
    _, found = findings(project)
    # v1 ignores the key its operation declares; v2 reads a key its operation does not declare
    assert found == [("openapi.yaml", 12, "RPL402"), ("shop/v1.py", 7, "RPL401")]


def test_a_router_mounted_through_a_router_with_its_own_prefix(project):
    """The full-stack FastAPI layout: items' router in api_router (prefix in its constructor), mounted on the
    app; and a mount whose prefix is not a literal leaves the route to the match by its ending."""
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/api/v1/items", op="createItem") + """  /api/v2/notes:
    post:
      operationId: createNote
      parameters:
        - {name: Idempotency-Key, in: header, required: true, schema: {type: string}}
      responses:
        "201": {description: done}
""")
    router = APP.replace("from fastapi import FastAPI", "from fastapi import APIRouter").replace("@app.", "@router.")
    write(project, "app/__init__.py", "")
    write(project, "app/items.py", router.replace("app = FastAPI()", 'router = APIRouter(prefix="/items")')
          .format(path="/", name="create_item"))
    write(project, "app/notes.py", router.replace("app = FastAPI()", "router = APIRouter()")
          .format(path="/notes", name="create_note"))
    write(project, "app/api.py", """from fastapi import APIRouter

from app import items

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(items.router)
""")
    write(project, "app/main.py", """from fastapi import FastAPI

from app import notes, settings
from app.api import api_router

app = FastAPI()
app.include_router(api_router)
app.include_router(router=notes.router, prefix=settings.V2)
""")
    _, found = findings(project)
    assert found == [("app/items.py", 7, "RPL401"), ("app/notes.py", 7, "RPL401")]


def test_a_blueprint_registered_with_a_url_prefix_is_served_there_alone(project):
    write(project, "openapi.yaml", SPEC.format(title="Shop", path="/api/orders", op="createOrder"))
    write(project, "shop/__init__.py", "")
    write(project, "shop/orders.py", """from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.post("")
def create_order():
    return store.insert(request.json), 201
""")
    write(project, "shop/app.py", """from flask import Flask

from shop import orders

app = Flask(__name__)
app.register_blueprint(orders.bp, url_prefix="/api/orders")
""")
    _, found = findings(project)
    assert found == [("shop/orders.py", 7, "RPL401")]


STATUS_SPEC = """openapi: 3.0.3
info: {{title: Shop, version: "1"}}
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - {{name: Idempotency-Key, in: header, required: true, schema: {{type: string}}}}
      responses:
        "201":
          description: done
          content:
            application/json:
              schema:
                type: object
                properties:
{properties}
"""

STATUS_APP = """from fastapi import FastAPI, Header
from pydantic import BaseModel
{imports}
app = FastAPI()
{models}

@app.post("/orders", response_model={model})
async def create_order(body: dict, idempotency_key: str = Header(..., alias="Idempotency-Key")):
    return await store.insert_once(idempotency_key, body)
"""


def test_rpl404_reads_the_enum_nearest_the_model_and_the_spec_field_that_tells_the_same_enum(project):
    write(project, "openapi.yaml", STATUS_SPEC.format(properties="""                  status: {type: string, enum: [ok, failed]}
                  data:
                    type: object
                    properties:
                      status: {type: string, enum: [pending, paid, failed]}"""))
    write(project, "legacy.py", "import enum\n\n\nclass OrderStatus(str, enum.Enum):\n    PENDING = 'pending'\n"
                                "    PAID = 'paid'\n    FAILED = 'failed'\n    REFUNDED = 'refunded'\n")
    write(project, "app.py", STATUS_APP.format(imports="import enum\nfrom typing import Literal\n", model="Envelope",
                                               models="""

class OrderStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Order(BaseModel):
    status: OrderStatus


class Envelope(BaseModel):
    status: Literal["ok", "failed"]
    data: Order
"""))
    _, found = findings(project)
    assert found == []


def test_rpl404_finds_an_enum_written_in_a_module_that_names_no_status(project):
    write(project, "openapi.yaml", STATUS_SPEC.format(
        properties="                  status: {type: string, enum: [queued, running, succeeded, failed]}"))
    write(project, "enums.py", "import enum\n\n\nclass Lifecycle(str, enum.Enum):\n    QUEUED = 'queued'\n"
                               "    RUNNING = 'running'\n    SUCCEEDED = 'succeeded'\n")
    write(project, "app.py", STATUS_APP.format(imports="from enums import Lifecycle\n", model="Order",
                                               models="\n\nclass Order(BaseModel):\n    status: Lifecycle\n"))
    _, found = findings(project)
    assert found == [("app.py", 13, "RPL404")]


def test_a_dot_in_a_django_regex_route_is_itself():
    assert canonical(r"^api/v1.0/orders/$") == ("api", "v1.0", "orders")
    assert canonical(r"^files/.+/$") == ("files", "{}")


def test_rpl404_follows_the_imports_to_the_model_and_its_enum(project):
    """Server and client schemas both define `DeploymentResponse` and `DeploymentStatus` (the client's has one
    value more): the handler's `schemas.responses.DeploymentResponse` and the model's
    `schemas.statuses.DeploymentStatus` say which are meant."""
    write(project, "openapi.yaml", STATUS_SPEC.format(
        properties="                  status: {type: string, enum: [READY, NOT_READY]}"))
    for side, extra in (("client", "    DISABLED = 'DISABLED'\n"), ("server", "")):
        write(project, f"pkg/{side}/__init__.py", "")
        write(project, f"pkg/{side}/schemas/__init__.py", "")
        write(project, f"pkg/{side}/schemas/statuses.py", "import enum\n\n\nclass DeploymentStatus(str, enum.Enum):\n"
                                                          "    READY = 'READY'\n    NOT_READY = 'NOT_READY'\n" + extra)
        write(project, f"pkg/{side}/schemas/responses.py", f"from pydantic import BaseModel\n\n"
              f"from pkg.{side} import schemas\n\n\nclass DeploymentResponse(BaseModel):\n"
              "    status: schemas.statuses.DeploymentStatus\n")
    write(project, "pkg/__init__.py", "")
    write(project, "pkg/server/api.py", STATUS_APP.format(imports="from pkg.server import schemas\n", models="",
                                                          model="schemas.responses.DeploymentResponse"))
    _, found = findings(project)
    assert found == []
