"""Cases found in review: discovery edge cases, repository roots, and recognisers on realistic code."""
import json
import os
import subprocess

from conftest import run_in, write
from replaylint.config import Config, config_from_mapping
from replaylint.engine import run

SPEC = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/orders": {"post": {"operationId": "createOrder", "responses": {"201": {"description": "x"}}}}}}


def anchors(paths, **settings):
    result = run(paths, config_from_mapping(settings) if settings else Config())
    return sorted((f.code, f.anchor) for f in result.findings if not f.exempted), result


def test_minified_json_with_a_late_openapi_key_is_found(project):
    write(project, "api.json", json.dumps(SPEC, sort_keys=True, separators=(",", ":")))
    assert anchors(["."])[0] == [("RPL101", "POST /orders")]


def test_named_files_are_linted_even_in_excluded_folders(project):
    write(project, "build/openapi.yaml", json.dumps(SPEC))
    assert anchors(["build/openapi.yaml"])[0] == [("RPL101", "POST /orders")]
    assert anchors(["."])[0] == []  # walking still honours the default excludes


def test_gitignore_above_the_repository_is_ignored(tmp_path, monkeypatch):
    write(tmp_path, ".gitignore", "*.yaml\n")
    repo = tmp_path / "proj"
    write(repo, "openapi.yaml", json.dumps(SPEC))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    monkeypatch.chdir(repo)
    assert anchors(["."])[0] == [("RPL101", "POST /orders")]


def test_symlinked_file_loops_do_not_stop_the_run(project):
    write(project, "good.yaml", json.dumps(SPEC))
    os.symlink(project / "b.yaml", project / "a.yaml")
    os.symlink(project / "a.yaml", project / "b.yaml")
    found, result = anchors(["."])
    assert found == [("RPL101", "POST /orders")]
    assert {p.path for p in result.problems} == {"a.yaml", "b.yaml"}


def test_multi_document_yaml_is_not_a_spec(project):
    write(project, "k8s.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  spec: |\n    x\nopenapi: 3\n---\nkind: Pod\n")
    assert anchors(["."])[1].problems == []
    problems = anchors(["k8s.yaml"])[1].problems
    assert len(problems) == 1 and "several YAML documents" in problems[0].message


def test_refs_may_cross_project_files_inside_one_repository(tmp_path, monkeypatch):
    repo = tmp_path / "mono"
    (repo / ".git").mkdir(parents=True)
    write(repo, "shared/params.yaml", "Key: {name: Idempotency-Key, in: header, required: true, "
                                      "description: a repeat returns the original response}\n")
    write(repo, "services/billing/pyproject.toml", "[project]\nname = 'billing'\n")
    write(repo, "services/billing/api.yaml", """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /payments:
    post:
      parameters: [{$ref: "../../shared/params.yaml#/Key"}]
      responses: {'201': {description: ok}, '409': {description: in flight}}
""")
    monkeypatch.chdir(repo)
    found, result = anchors(["services"])
    assert found == [] and result.problems == []


def test_non_string_config_keys_are_config_errors():
    import pytest
    from replaylint.config import ConfigError

    for settings in ({"severity": {101: "error"}}, {"states": {1: ["x"]}}, {"per-file-ignores": {1: ["RPL1"]}}):
        with pytest.raises(ConfigError):
            config_from_mapping(settings, source=".replaylint.yaml")


def test_day_granular_keys_are_intents(project):
    write(project, "pay.py", '''import datetime
import requests


def payout(s):
    requests.post("u", headers={"Idempotency-Key": f"payout-{s.id}-{datetime.date.today()}"})


def payout_at(s):
    requests.post("u", headers={"Idempotency-Key": f"payout-{s.id}-{datetime.datetime.now():%H%M%S}"})
''')
    assert anchors(["pay.py"])[0] == [("RPL201", "pay.payout_at")]


def test_test_code_is_left_to_its_authors(project):
    source = 'import uuid, requests\n\ndef test_pay():\n    requests.post("u", headers={"Idempotency-Key": str(uuid.uuid4())})\n'
    write(project, "tests/test_pay.py", source)
    write(project, "app/pay.py", source.replace("test_pay", "pay"))
    assert anchors(["."])[0] == [("RPL201", "app.pay.pay")]


def test_body_model_with_a_key_in_another_module(project):
    write(project, "app/schemas.py", "from pydantic import BaseModel\n\nclass CreateOrder(BaseModel):\n"
                                     "    sku: str\n    idempotency_key: str\n")
    write(project, "app/api.py", "from fastapi import FastAPI\nfrom .schemas import CreateOrder\n\napp = FastAPI()\n\n"
                                 "@app.post('/orders')\nasync def create_order(order: CreateOrder):\n    return order\n\n"
                                 "@app.post('/carts')\nasync def create_cart(cart: dict):\n    return cart\n")
    assert anchors(["."])[0] == [("RPL301", "app.api.create_cart")]


def test_falcon_resources_and_call_registered_routes(project):
    write(project, "falcon_app.py", "import falcon\n\nclass PaymentsResource:\n    def on_post(self, req, resp):\n"
                                    "        resp.media = {'ok': True}\n\napp = falcon.App()\n"
                                    "app.add_route('/payments', PaymentsResource())\n")
    write(project, "star.py", "from starlette.applications import Starlette\nfrom starlette.routing import Route\n\n"
                              "async def create_booking(request):\n    return None\n\n"
                              "app = Starlette(routes=[Route('/bookings', create_booking, methods=['POST'])])\n")
    assert anchors(["."])[0] == [("RPL301", "falcon_app.PaymentsResource.on_post"), ("RPL301", "star.create_booking")]


def test_a_read_verb_followed_by_a_write_is_a_write(project):
    spec = json.loads(json.dumps(SPEC))
    spec["paths"] = {"/validate-and-charge": {"post": {"responses": {}}}, "/validate": {"post": {"responses": {}}}}
    write(project, "api.json", json.dumps(spec))
    assert anchors(["."])[0] == [("RPL101", "POST /validate-and-charge")]


def test_diff_base_on_an_unchanged_repo_with_shared_refs_reports_nothing(tmp_path, monkeypatch, capsys):
    from replaylint.cli import main

    repo = tmp_path / "r"
    write(repo, "shared/k.yaml", "K: {name: X-Request-Id, in: header}\n")
    write(repo, "api/openapi.yaml", """openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a: {post: {parameters: [{$ref: "../shared/k.yaml#/K"}], responses: {}}}
""")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    monkeypatch.chdir(repo / "api")
    assert main(["check", ".", "--diff-base", "HEAD", "--no-cache", "--output-format", "concise"]) == 0
    assert capsys.readouterr().out.startswith("No findings")


def test_force_exclude_applies_to_named_files_in_excluded_folders(project, capsys):
    from replaylint.cli import main

    write(project, "build/openapi.yaml", json.dumps(SPEC))
    assert main(["check", "build/openapi.yaml", "--no-cache", "--force-exclude"]) == 0
    assert "No findings in 0 files" in capsys.readouterr().out
    assert main(["check", "build/openapi.yaml", "--no-cache"]) == 1


# Patterns from hand-labelled public files (second labelling round)

def test_key_from_a_method_helper_and_a_header_name_in_a_variable(project):
    write(project, "client.py", '''import uuid
import requests

IDEMPOTENCY_HEADER = "Idempotency-Key"


class Resource:
    @staticmethod
    def _generate_key():
        return str(uuid.uuid4())

    def create(self, data, idempotency_key=None):
        idempotency_key = idempotency_key or self._generate_key()
        return requests.post("u", json=data, headers={"Idempotency-Key": idempotency_key})


def send(data):
    headers = {}
    name = "idempotency-key"
    headers[name] = str(uuid.uuid4())
    headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
    return requests.post("u", json=data, headers=headers)


def paypal(order):
    return requests.post("u", json=order, headers={"PayPal-Request-Id": str(uuid.uuid4())})
''')
    found = anchors(["client.py"])[0]
    assert found == [("RPL201", "client.Resource.create"), ("RPL201", "client.paypal"),
                     ("RPL201", "client.send"), ("RPL201", "client.send")]


def test_stripe_call_spreading_a_local_dict(project):
    write(project, "pay.py", '''import stripe


def charge(amount):
    params = {"amount": amount, "currency": "eur"}
    return stripe.PaymentIntent.create(**params)


def charge_keyed(order):
    params = {"amount": order.total}
    params["idempotency_key"] = f"order-{order.id}"
    return stripe.PaymentIntent.create(**params)


def charge_unknown(params):
    return stripe.PaymentIntent.create(**params)
''')
    assert anchors(["pay.py"])[0] == [("RPL203", "pay.charge")]


def test_handlers_reading_keys_through_helpers_docstrings_and_django_function_views(project):
    write(project, "api.py", '''from fastapi import APIRouter, Request

router = APIRouter()


def _idem(request: Request):
    return request.headers.get("Idempotency-Key")


@router.post("/credit")
def credit(request: Request):
    key = _idem(request)
    return ledger.credit_once(key)


@router.post("/sessions")
def record_session(payload: dict):
    """Idempotent: recording twice returns the summary (idempotency_open column)."""
    return sessions.record(payload)
''')
    write(project, "views.py", '''from django.shortcuts import render


def charge(request):
    if request.method == "POST":
        return render(request, "done.html", {})
    return render(request, "form.html", {})
''')
    assert anchors(["."])[0] == [("RPL301", "api.record_session"), ("RPL301", "views.charge")]


def test_posts_answered_by_an_idempotent_method_are_not_flagged(project):
    """Django's DeleteView forms POST to `post`, which calls `self.delete`: a repeat finds nothing to delete."""
    write(project, "views.py", """from django.views.generic import DeleteView, View


class ProductDeleteView(DeleteView):
    def post(self, request, *args, **kwargs):
        return self.delete(request, *args, **kwargs)


class RefreshView(View):
    def post(self, request):
        return super().get(request)


class OrderView(View):
    def post(self, request):
        return self.place_order(request)
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL301", 15)]


def test_a_random_key_stored_in_a_new_record_is_still_retry_only(project):
    """A record made with a fresh key stores it, but a rerun makes a new record with a new key: the key is
    sent fresh (issue 11). A record that is only stored and never sent is no finding; an SDK's request model
    is sent."""
    write(project, "shop/__init__.py", "")
    write(project, "shop/billing.py", """import uuid

import requests
import stripe
from square.models import CreatePaymentRequest

from .models import Payment, PaymentEvent


def refund(payment):
    event = PaymentEvent(payment=payment, idempotency_key=str(uuid.uuid4()))
    event.save()
    return event


def charge(order):
    key = str(uuid.uuid4())
    Payment.objects.create(order=order, idempotency_key=key)
    return stripe.PaymentIntent.create(amount=order.total, idempotency_key=key)


def charge_with_square(client, order):
    request = CreatePaymentRequest(amount=order.total, idempotency_key=str(uuid.uuid4()))
    return client.payments.create_payment(request)
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL201", 19), ("RPL201", 23)]


def test_queue_settings_are_not_keys_and_aws_calls_say_whether_the_sdk_fills_the_token(project):
    """`ContentBasedDeduplication: "true"` is a FIFO queue setting; botocore fills `ClientToken` for
    RunInstances but not for CloudFormation's CreateStack; CreateSnapshots takes none at all."""
    write(project, "infra.py", """import boto3

sqs = boto3.client("sqs")
ec2 = boto3.client("ec2")
cfn = boto3.client("cloudformation")


def setup(name, stack):
    sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})
    ec2.create_snapshots(InstanceSpecification={"InstanceId": "i-1"})
    ec2.run_instances(ImageId="ami-1", MinCount=1, MaxCount=1)
    cfn.create_stack(StackName=stack, TemplateBody="{}")
""")
    result = run_in(project)
    found = [(f.code, f.span.line, "fills" if "makes a new key" in f.message else "none") for f in result.findings]
    assert found == [("RPL203", 11, "fills"), ("RPL203", 12, "none")]


def test_celery_retries_and_a_key_of_none(project):
    write(project, "tasks.py", """import uuid

import requests
import stripe
from celery import shared_task


@shared_task(autoretry_for=(requests.RequestException,), max_retries=5)
def send_payout(payout):
    return requests.post("https://api.example.com/payouts", json=payout,
                         headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=10)


@shared_task(bind=True)
def send_refund(self, refund):
    try:
        return requests.post("https://api.example.com/refunds", json=refund,
                             headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=10)
    except requests.RequestException as exc:
        raise self.retry(exc=exc)


def charge(order):
    return stripe.PaymentIntent.create(amount=order.total, idempotency_key=None)
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL202", 11), ("RPL202", 18), ("RPL203", 24)]


def test_settings_named_like_keys_and_async_stripe_calls(project):
    write(project, "conf.py", """import stripe

PRODUCER = {"enable.idempotence": "true", "acks": "all"}
SPEC = {"operationId": "Swagger specifications"}


async def refund(charge):
    return await stripe.Refund.create_async(charge=charge)
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL203", 8)]


def test_helpers_that_take_the_request_are_not_django_views(project):
    write(project, "views.py", """from django import forms
from django.shortcuts import redirect, render

from .models import Order


def create_title_form(request, thread):
    if request.method == "POST":
        return forms.Form(request.POST)
    return forms.Form()


def place_order(request):
    if request.method == "POST":
        Order.objects.create(item=request.POST["item"])
        return redirect("orders")
    return render(request, "order.html")
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL301", 13)]


def test_a_handler_a_subclass_inherits_is_reported_where_it_is_written(project):
    """Misago's StartView.post serves its subclasses' routes too; a base whose handler every subclass
    redefines stays abstract."""
    write(project, "views.py", """from django.http import JsonResponse
from django.views import View


class StartView(View):
    def post(self, request):
        thread = create_thread(request.POST)
        return JsonResponse({"id": thread.id})


class StartPrivateThreadView(StartView):
    template = "private.html"


class ReplyBase(View):
    def post(self, request):
        return JsonResponse({})


class ReplyView(ReplyBase):
    def post(self, request):
        reply = create_reply(request.POST)
        return JsonResponse({"id": reply.id})
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL301", 6), ("RPL301", 21)]


def test_a_handler_named_for_a_read_at_its_end_is_a_read(project):
    write(project, "api.py", """from fastapi import FastAPI

app = FastAPI()


@app.post("/cron")
def cron_preview(expression: str):
    return {"next": expression}


@app.post("/orders")
def order_list(body: dict):
    return body
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL301", 12)]


def test_third_review_cases(project):
    """Views returning a helper's response are views; a numbered loop is not an attempt counter; an empty
    Depends() injects the annotation's class; a sibling app's model record made with a fresh key and sent is
    still retry-only (a rerun makes another record)."""
    write(project, "shop/__init__.py", "")
    write(project, "shop/views.py", """import uuid

import stripe
from django.http import JsonResponse
from fastapi import Depends, FastAPI, Header

from orders.models import PaymentAttempt

app = FastAPI()


def order_json(order):
    return JsonResponse({"id": order.id})


def place_order(request):
    if request.method == "POST":
        order = create_order(request.POST)
        return order_json(order)
    response = JsonResponse({})
    return response


def pay_installments(plan):
    for n in range(plan.count):
        try:
            stripe.PaymentIntent.create(amount=plan.amount, idempotency_key=f"{plan.id}-installment-{n}")
        except stripe.error.CardError:
            continue


def charge(order):
    attempt = PaymentAttempt(idempotency_key=str(uuid.uuid4()))
    attempt.save()
    return stripe.PaymentIntent.create(amount=order.total, idempotency_key=attempt.idempotency_key)


class Intent:
    def __init__(self, idempotency_key: str = Header(..., alias="Idempotency-Key")):
        self.key = idempotency_key


@app.post("/payments")
def create_payment(amount: int, intent: Intent = Depends()):
    return amount
""")
    result = run_in(project)
    assert [(f.code, f.span.line) for f in result.findings] == [("RPL301", 16), ("RPL201", 35)]


def test_a_baseline_entry_naming_an_impossible_path_is_no_crash(project, capsys):
    from replaylint.cli import main

    write(project, "client.py", "x = 1\n")
    (project / "baseline.json").write_text(json.dumps({"format": "replaylint-baseline/1", "entries": [
        {"code": "RPL201", "path": "a" * 5000, "anchor": "x", "detail": "", "occurrence": 0}]}))
    assert main(["check", "--no-cache", "client.py", "--baseline", "baseline.json"]) == 0
    assert "internal error" not in capsys.readouterr().err


def test_a_handler_only_abstract_subclasses_inherit_stays_abstract(project):
    """Django's own ProcessFormView.post serves BaseFormView: library bases, not routes."""
    write(project, "views.py", """from django.http import JsonResponse
from django.views import View


class ProcessFormView(View):
    def post(self, request):
        return JsonResponse({})


class BaseFormView(ProcessFormView):
    template = "form.html"
""")
    assert run_in(project).findings == []
