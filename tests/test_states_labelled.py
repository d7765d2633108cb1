"""State shapes from the blind labelling round of issue 15 (SendGrid, Weaviate, Box, Vonage, Bandwidth,
api.video specs), each bad and good: acknowledgement-only write results, -ing/-ed lifecycles, and what a
202 can be followed with."""
import json

from conftest import write
from replaylint.config import Config
from replaylint.engine import run
from replaylint.vocabulary import StateVocabulary


def state_findings(project, paths):
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    write(project, "api.json", json.dumps(spec))
    result = run(["api.json"], Config())
    assert not result.problems
    return sorted((f.code, f.anchor) for f in result.findings if f.code in ("RPL108", "RPL109", "RPL110"))


def answer(properties, code="201", headers=None):
    response = {"description": "x", "content": {"application/json": {"schema": {"type": "object",
                                                                                "properties": properties}}}}
    if headers:
        response["headers"] = headers
    return {code: response}


def op(responses, **extra):
    return {"responses": responses, **extra}


def status(*values):
    return {"type": "string", "enum": list(values)}


KEY = [{"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"}}]


# --- a write answered with one status value only acknowledges it ------------------------------------------


def test_a_write_answered_with_one_status_value_cannot_say_how_it_ended(project):
    """SendGrid's schedule answers `status: [scheduled]`, Weaviate's export `status: [STARTED]`."""
    found = state_findings(project, {
        "/singlesends/{id}/schedule": {"put": op(answer({"status": status("scheduled")}, "200"))},
        "/export/{backend}": {"post": op(answer({"id": {"type": "string"}, "status": status("STARTED")}, "200"),
                                         parameters=KEY)},
    })
    assert found == [("RPL109", "POST /export/{backend}"), ("RPL109", "PUT /singlesends/{id}/schedule")]


def test_one_value_per_branch_of_a_oneof_is_one_lifecycle(project):
    done = {"type": "object", "properties": {"status": status("completed")}}
    failed = {"type": "object", "properties": {"status": status("failed")}}
    responses = {"200": {"description": "x", "content": {"application/json": {"schema": {"oneOf": [done, failed]}}}}}
    assert state_findings(project, {"/runs": {"post": op(responses, parameters=KEY)}}) == []


def test_one_value_on_a_read_or_a_non_lifecycle_word_is_not_an_acknowledgement(project):
    found = state_findings(project, {
        "/health": {"get": op(answer({"status": status("pending")}, "200"))},
        "/things": {"post": op(answer({"status": status("object")}), parameters=KEY)},
    })
    assert found == []


# --- a lifecycle in its own verbs ------------------------------------------------------------------------


def test_an_ing_and_ed_pair_says_progress_and_success():
    states = StateVocabulary()
    found = states.classify(["uploading", "uploaded", "ingesting", "ingested"])
    assert set(found["in-progress"]) == {"uploading", "ingesting"} and set(found["succeeded"]) == {"uploaded", "ingested"}
    assert states.missing_terminals(found) == ["failure"]
    found = states.classify(["active", "applying", "releasing", "released"])  # Box's legal hold policy
    assert "applying" in found["in-progress"] and found["succeeded"] == ["released"]
    assert states.classify(["building", "draft"]) == {"in-progress": ["building"], "not-started": ["draft"]}


def test_a_purchase_done_is_a_success():
    """A shipping API's `[pending, processing, label_purchased, cancelled]`: the label bought is the success
    (round 3 of the state labels, ShipEngine)."""
    states = StateVocabulary()
    found = states.classify(["pending", "processing", "label_purchased", "cancelled"])
    assert found["succeeded"] == ["label_purchased"] and states.missing_terminals(found) == []


def test_an_async_resource_state_with_a_pair_lacks_a_failure(project):
    policy = {"id": {"type": "string"}, "status": status("active", "applying", "releasing", "released")}
    found = state_findings(project, {"/legal_hold_policies": {"post": op(answer(policy), parameters=KEY)}})
    assert found == [("RPL109", "POST /legal_hold_policies")]
    policy["status"] = status("active", "applying", "releasing", "released", "failed")
    assert state_findings(project, {"/legal_hold_policies": {"post": op(answer(policy), parameters=KEY)}}) == []


def test_a_resource_in_flight_after_a_202_needs_a_failure_state(project):
    """DigitalOcean's VPC peering (round 3): made by a 202 that answers `provisioning`, then `active`; a
    provisioning that fails has no state. The same enum answered by a plain 201 is the resource's state at
    rest. `stuck` is a failure."""
    peering = {"id": {"type": "string"}, "status": status("provisioning", "active", "deleting")}
    created = {"/peerings": {"post": op(answer(peering, "202"), parameters=KEY)},
               "/peerings/{id}": _get(peering)}
    assert state_findings(project, created) == [("RPL109", "GET /peerings/{id}"), ("RPL109", "POST /peerings")]
    created["/peerings"]["post"] = op(answer(peering, "201"), parameters=KEY)  # (each a copy: two findings)
    assert state_findings(project, created) == []
    peering["status"] = status("provisioning", "active", "deleting", "stuck")
    assert state_findings(project, {"/peerings": {"post": op(answer(peering, "202"), parameters=KEY)},
                                    "/peerings/{id}": _get(peering)}) == []


# --- what a 202 can be followed with -----------------------------------------------------------------------


def _get(properties):
    return {"get": op(answer(properties, "200"))}


def test_an_action_on_a_resource_is_followed_only_if_the_resource_shows_a_state(project):
    """Box's `POST /metadata_cascade_policies/{id}/apply` answers 202 with nothing; the policy's GET says
    nothing of the cascade. A run's `/cancel` is followed on the run, whose GET has a state."""
    found = state_findings(project, {
        "/policies/{id}": _get({"id": {"type": "string"}, "scope": {"type": "string"}}),
        "/policies/{id}/apply": {"post": op({"202": {"description": "started"}}, parameters=KEY)},
        "/runs/{id}": _get({"id": {"type": "string"}, "state": status("queued", "running", "done", "failed")}),
        "/runs/{id}/cancel": {"post": op({"202": {"description": "cancelling"}}, parameters=KEY)},
    })
    assert found == [("RPL108", "POST /policies/{id}/apply")]


def test_ids_in_the_body_and_a_jobs_get_follow_the_work(project):
    """Vonage's export answers `{"job_ids": [...]}`; `GET .../jobs/{job_id}` reads each."""
    found = state_findings(project, {
        "/recordings/export": {"post": op(answer({"job_ids": {"type": "array", "items": {"type": "string"}}},
                                                 "202"), parameters=KEY)},
        "/recordings/jobs/{job_id}": _get({"id": {"type": "string"}}),
    })
    assert found == []


def test_a_status_route_beside_the_work_or_the_same_one_thing_follows_it(project):
    """DigitalOcean-style 202s (round 3): `DELETE .../destroy_with_resources/selective` followed by
    `GET .../destroy_with_resources/status`; `POST /attachments/{id}/service_key` by the GET of that one key;
    `POST /vpcs/{id}/peerings` answering `{"peering": {"id"}}` by `GET /vpc_peerings/{id}`; `POST /inferences`
    answering the inference beside a token. A `request_id` with only another area's status route is not."""
    empty = {"202": {"description": "accepted"}}
    found = state_findings(project, {
        "/v2/droplets/{id}/destroy_with_resources/selective": {"delete": op(empty)},
        "/v2/droplets/{id}/destroy_with_resources/status": _get({"finished_at": {"type": "string"}}),
        "/v2/attachments/{id}/service_key": {"post": op(empty, parameters=KEY), **_get({"value": {"type": "string"}})},
        "/v2/vpcs/{id}/peerings": {"post": op(answer({"peering": {"type": "object", "properties": {
            "id": {"type": "string"}}}}, "202"), parameters=KEY)},
        "/v2/vpc_peerings/{id}": _get({"id": {"type": "string"}}),
        "/v2/inferences": {"post": op(answer({"inference": {"type": "object", "properties": {"id": {"type": "string"}}},
                                              "token": {"type": "string"}}, "202"), parameters=KEY)},
        "/v2/inferences/{id}": _get({"id": {"type": "string"}}),
        "/v1/async-invoke": {"post": op(answer({"request_id": {"type": "string"}}, "202"), parameters=KEY)},
        "/v2/apps/{id}/deployments/status": _get({"phase": {"type": "string"}}),
    })
    assert found == [("RPL108", "POST /v1/async-invoke")]


def test_the_addressed_thing_s_own_status_and_a_longer_noun_are_no_monitor(project):
    """Review: `GET /accounts/{id}/status` (the account's own state) does not follow `POST
    /accounts/{id}/payouts`; `GET /purchase_orders/{id}` does not read back `POST /orders`."""
    found = state_findings(project, {
        "/accounts/{id}/payouts": {"post": op({"202": {"description": "accepted"}}, parameters=KEY)},
        "/accounts/{id}/status": _get({"kyc": {"type": "string"}}),
        "/orders": {"post": op(answer({"id": {"type": "string"}}, "202"), parameters=KEY)},
        "/purchase_orders/{id}": _get({"id": {"type": "string"}}),
    })
    assert found == [("RPL108", "POST /accounts/{id}/payouts"), ("RPL108", "POST /orders")]


def test_values_described_one_per_line_each_keep_their_meaning():
    """Review: `Q1: the job failed` then `R1: done` on the next line are two meanings, and a bullet list too;
    a meaning still runs over a wrapped line."""
    from replaylint.openapi.schemas import described_values

    assert described_values("Q1: the job failed\nR1: done\nF1: in progress") == {
        "Q1": "the job failed", "R1": "done", "F1": "in progress"}
    assert described_values("- `queued`: waiting\n- `done`: finished") == {"queued": "waiting", "done": "finished"}
    assert described_values("`ended` means it completed\n    successfully, `x` means y")["ended"].split() == [
        "it", "completed", "successfully,"]


def test_a_list_get_filtered_by_the_id_follows_the_work(project):
    """Bandwidth's `POST /messages` answers the message with its id; `GET /messages?messageId=` finds it."""
    paths = {"/users/{account}/messages": {
        "post": op(answer({"id": {"type": "string"}}, "202"), parameters=KEY),
        "get": op(answer({"messages": {"type": "array"}}, "200"),
                  parameters=[{"name": "messageId", "in": "query", "schema": {"type": "string"}}]),
    }}
    assert state_findings(project, paths) == []
    paths["/users/{account}/messages"]["get"]["parameters"][0]["name"] = "from"
    assert state_findings(project, paths) == [("RPL108", "POST /users/{account}/messages")]


# --- a value's role from what the spec says of it, and from the operation ---------------------------------


def test_a_value_s_role_comes_from_its_description_when_its_word_says_nothing(project):
    """`x-enum-descriptions`, `x-enum-varnames` of integer values, `oneOf` of `const` + description, and a
    description listing `CASE_CLOSED: lost or withdrawn` place values the state words cannot."""
    described = {"type": "string", "enum": ["OPEN", "CASE_WON", "CASE_CLOSED"],
                 "description": "OPEN: under review. CASE_WON - the dispute was won. CASE_CLOSED: lost or withdrawn."}
    numbered = {"type": "integer", "enum": [0, 1, 2], "x-enum-varnames": ["QUEUED", "DONE", "FAILED"]}
    consts = {"oneOf": [{"const": "open", "description": "waiting for the carrier"},
                        {"const": "closed_ok", "description": "delivered to the recipient"},
                        {"const": "closed_ko", "description": "returned to the sender"}]}
    listed = {"type": "string", "enum": ["new", "paid_out", "bounced_back"],
              "x-enum-descriptions": ["created", "the payout settled", "the bank refused the payout"]}
    paths = {f"/{name}": {"post": op(answer({"status": schema}), parameters=KEY)}
             for name, schema in (("disputes", described), ("jobs", numbered), ("shipments", consts),
                                  ("payouts", listed))}
    assert state_findings(project, paths) == []
    described["description"] = "OPEN: under review. CASE_WON - the dispute was won."
    assert state_findings(project, paths) == [("RPL109", "POST /disputes")]  # CASE_CLOSED says nothing now


def test_the_operation_s_own_verb_done_is_its_success_in_a_lifecycle_only(project):
    refund = {"status": status("pending", "refunded", "failed")}
    link = {"status": status("active", "disconnected", "inactive")}
    found = state_findings(project, {
        "/charges/{id}/refund": {"post": op(answer(refund, "200"), parameters=KEY)},
        "/accounts/{id}/disconnect": {"post": op(answer(link, "200"), parameters=KEY)},
        "/charges/{id}/capture": {"post": op(answer(refund, "200"), parameters=KEY)},
    })
    assert found == [("RPL109", "POST /charges/{id}/capture")]  # `refunded` is no capture's success


def test_every_part_of_a_status_route_s_answer_is_about_the_work(project):
    """api.video's `GET /videos/{id}/status` answers `{ingest: {status}, encoding: {qualities: [{status}]}}`;
    `GET /tasks/{id}` is a resource whose nested assignments are not the task's work."""
    ingest = {"type": "object", "properties": {"status": status("uploading", "uploaded", "ingesting", "ingested")}}
    encoding = {"type": "object", "properties": {"status": {
        "type": "string", "enum": ["waiting", "encoding", "encoded", "failed"],
        "description": "waiting - the video is waiting to be encoded. encoded - the video was successfully "
                       "encoded. failed - the video failed to be encoded."}}}
    assignment = {"type": "object", "properties": {"resolution_state": status("completed", "incomplete")}}
    found = state_findings(project, {
        "/videos/{id}/status": {"get": op(answer({"ingest": ingest, "encoding": encoding}, "200"))},
        "/tasks/{id}": {"get": op(answer({"id": {"type": "string"}, "assignment": assignment}, "200"))},
    })
    assert found == [("RPL109", "GET /videos/{id}/status")]  # the ingest cannot fail; the encoding can


# --- shapes from the second (held-out) round: Shotstack, Klaviyo specs; Python SDKs and apps ---------------


def test_a_json_api_answer_is_read_through_data_and_attributes(project):
    """Shotstack's transfer answers `{data: {attributes: {status: [queued, failed]}}}`: it cannot succeed."""
    attributes = {"type": "object", "properties": {"status": status("queued", "failed")}}
    data = {"type": "object", "properties": {"attributes": attributes}}
    found = state_findings(project, {"/assets": {"post": op(answer({"data": data}), parameters=KEY)}})
    assert found == [("RPL109", "POST /assets")]


def python_findings(project, source):
    write(project, "models.py", source)
    result = run(["models.py"], Config())
    assert not result.problems
    return sorted((f.code, f.anchor) for f in result.findings if f.code == "RPL304")


def test_python_shapes_that_are_not_a_lifecycle_without_an_outcome(project):
    """A sandbox that can pause is up when it runs; a filter over states; a count of failed results beside the
    status; Temporal's `Detailed state of ... RUNNING` and `breakdown of`."""
    source = '''import enum
from typing import Literal

from pydantic import BaseModel


class SandboxStatus(str, enum.Enum):
    STARTING = "starting"
    RUNNING = "running"
    PAUSED = "paused"
    ERROR = "error"


class RunFilter(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    ALL = "all"


class BulkRequest(BaseModel):
    status: Literal["pending", "processing", "completed"]
    failed_result_count: int


class PendingActivityState(enum.IntEnum):
    """Detailed state of an activity execution that is in ACTIVITY_EXECUTION_STATUS_RUNNING."""

    SCHEDULED = 1
    STARTED = 2


class PendingOperationState(enum.IntEnum):
    """More detailed breakdown of OperationStatus.RUNNING."""

    SCHEDULED = 1
    BACKING_OFF = 2
    STARTED = 3
'''
    assert python_findings(project, source) == []
    broken = source.replace("    failed_result_count: int\n", "    total: int\n").replace('    PAUSED = "paused"\n', "")
    assert python_findings(project, broken) == [("RPL304", "models.BulkRequest"), ("RPL304", "models.SandboxStatus")]
    queued = source.replace('    STARTING = "starting"\n', '    QUEUED = "queued"\n')  # a job, not a service
    assert python_findings(project, queued) == [("RPL304", "models.SandboxStatus")]
    retrying = source.replace("    failed_result_count: int\n", "    retry_on_error: bool\n")  # a setting
    assert python_findings(project, retrying) == [("RPL304", "models.BulkRequest")]


def test_resource_states_reason_codes_and_described_values_are_read_as_such(project):
    """Round 2 and 3 of the state labels: a discussion `open`/`closed`/`merged`; a hold `active` until
    `resolved`; a field whose docstring says
    "`ended` means it completed successfully"; `successfully_tokenized` beside `failed_to_tokenize`. A job
    that only runs and completes still lacks a failure."""
    source = '''import enum
from typing import Literal

from pydantic import BaseModel


class DiscussionStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"
    DRAFT = "draft"


class Hold(BaseModel):
    status: Literal["active", "resolved"]


class Conversation(BaseModel):
    status: Literal["in_progress", "ended", "failed"]
    """The status of the conversation.

    `in_progress` means the session is active, `ended` means it completed
    successfully, `failed` means it ended due to an error.
    """


class TokenizationStatus(str, enum.Enum):
    SUCCESSFULLY_TOKENIZED = "successfully_tokenized"
    PENDING = "pending"
    FAILED_TO_TOKENIZE = "failed_to_tokenize"


class ExportStatus(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


class SyncStatus(str, enum.Enum):
    ACTIVE = "active"
    COMPLETED = "completed"


class BatchStatus(str, enum.Enum):
    OPEN = "open"
    QUEUED = "queued"
    RUNNING = "running"
    CLOSED = "closed"
'''
    assert python_findings(project, source) == [("RPL304", "models.BatchStatus"), ("RPL304", "models.ExportStatus"),
                                                ("RPL304", "models.SyncStatus")]


# --- what the second review found ---------------------------------------------------------------------------


def test_odd_enum_shapes_never_stop_the_state_rules(project):
    """Maps where lists belong, lists where values belong, `oneOf: 5`: each ignored, the rule still runs."""
    odd = [
        {"type": "string", "enum": [{"a": 1}, "queued", "running"], "x-enum-descriptions": ["x", "y", "z"]},
        {"type": "string", "enum": [["a"], "queued", "running"], "x-enum-descriptions": {"queued": "waits"}},
        {"type": "string", "enum": ["queued", "running"], "oneOf": 5},
        {"type": "string", "enum": ["queued", "running"], "oneOf": [{"enum": 5, "description": "d"},
                                                                     {"const": {"a": 1}, "description": "d"}]},
        {"type": "string", "enum": ["queued", "running"], "x-ms-enum": {"values": [{"value": ["x"], "description": "d"}]}},
        {"type": "string", "enum": ["queued", "running"], "description": "queued ( means [ the *thing"},
    ]
    paths = {f"/jobs{index}": {"post": op(answer({"status": schema}), parameters=KEY)} for index, schema in enumerate(odd)}
    write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}))
    result = run(["api.json"], Config())
    assert result.problems == [] and not [n for n in result.notes if "internal error" in n.message]
    assert sorted(f.anchor for f in result.findings if f.code == "RPL109") == sorted(f"POST /jobs{i}" for i in range(6))


def test_a_one_value_answer_that_says_done_is_no_acknowledgement(project):
    """JSend's `{status: [success]}`, `DELETE` answering `[deleted]`, a new account `[active]`: plain answers."""
    found = state_findings(project, {
        "/notes": {"post": op(answer({"status": status("success")}), parameters=KEY)},
        "/notes/{id}": {"delete": op(answer({"status": status("deleted")}, "200"))},
        "/accounts": {"post": op(answer({"status": status("active")}), parameters=KEY)},
    })
    assert found == []


def test_an_acknowledgement_is_judged_alike_whatever_the_order_of_the_paths(project):
    """A `Job` schema shared by the monitor and by one branch of the 202 beside an `Ack` branch: the 202's
    `status` has its lifecycle whichever operation the file lists first."""
    def spec(paths):
        components = {"schemas": {
            "Job": {"type": "object", "properties": {"id": {"type": "string"},
                                                     "status": status("queued", "running", "succeeded", "failed")}},
            "Ack": {"type": "object", "properties": {"id": {"type": "string"}, "status": status("scheduled")}}}}
        write(project, "api.json", json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                                               "paths": paths, "components": components}))
        result = run(["api.json"], Config())
        return sorted((f.code, f.anchor) for f in result.findings if f.code in ("RPL108", "RPL109", "RPL110"))

    job = {"$ref": "#/components/schemas/Job"}
    get = {"get": op({"200": {"description": "x", "content": {"application/json": {"schema": job}}}})}
    post = {"post": op({"202": {"description": "x", "content": {"application/json": {"schema": {
        "oneOf": [job, {"$ref": "#/components/schemas/Ack"}]}}}}}, parameters=KEY)}
    assert spec({"/jobs/{id}": get, "/jobs": post}) == spec({"/jobs": post, "/jobs/{id}": get}) == []


def test_a_resource_that_wraps_its_state_follows_an_action_on_it(project):
    """JSON:API `data.attributes.state` and `{run: {status}}` are the resource's state too."""
    attributes = {"type": "object", "properties": {"state": status("queued", "running", "done", "failed")}}
    paths = {"/runs/{id}": _get({"data": {"type": "object", "properties": {"attributes": attributes}}}),
             "/runs/{id}/cancel": {"post": op({"202": {"description": "cancelling"}}, parameters=KEY)}}
    assert state_findings(project, paths) == []
