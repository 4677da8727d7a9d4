#!/usr/bin/python3
"""FraudEx's gRPC contract, checked with python3-grpcio (gRPC C-core) against the running FraudEx services:
fraudex.v1.ScoringService, FeatureService and AlertService, grpc.health.v1 and server reflection (v1, v1alpha).

No generated stubs: the .proto files of protos/ (and google/rpc from the Google.Api.CommonProtos package) are
compiled to a FileDescriptorSet by protoc (the one in the Grpc.Tools NuGet package the build restores, or $PROTOC),
turned into message classes, and called through grpcio's generic channel.unary_unary / unary_stream /
stream_stream API. That works with nothing but Debian's python3-grpcio and python3-protobuf.

Usage:
    /usr/bin/python3 conformance.py --scoring 127.0.0.1:P1 --features 127.0.0.1:P2 --alerts 127.0.0.1:P3 \
        --blocked-account ACCOUNT [--protoc PATH] [--only CASE[,CASE]]
API keys come from the environment: FRAUDEX_KEY_SCORER, FRAUDEX_KEY_ANALYST, FRAUDEX_KEY_ADMIN,
FRAUDEX_KEY_SCORING_SERVICE, FRAUDEX_KEY_ALERTS_SERVICE (one key per role; the services must be configured with
them). ACCOUNT is an account the scorer's rules file blocks.

Prints one line per case: "PASS|FAIL|GAP name | expected: ... | got: ... | N ms", then "N passed, N failed, N known
gaps". GAP is a status that differs from the documented one in a way already known (see KNOWN_GAPS); it does not
fail the run, any other deviation does. Exits 1 on any failure.
"""

import argparse
import glob
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import grpc
from google.protobuf import descriptor_pb2, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MIB = 1024 * 1024
CALL_TIMEOUT = 20.0  # seconds; every call has a deadline, so a hang fails its case instead of the run
RUN = "py%d" % (time.time_ns() // 1000 % 10**10)  # makes this run's transaction and account ids unique

SCORING = "fraudex.v1.ScoringService"
FEATURES = "fraudex.v1.FeatureService"
ALERTS = "fraudex.v1.AlertService"
HEALTH = "grpc.health.v1.Health"

PROTO_FILES = [
    "fraudex/v1/transaction.proto",
    "fraudex/v1/scoring.proto",
    "fraudex/v1/features.proto",
    "fraudex/v1/alerts.proto",
    "grpc/health/v1/health.proto",
    "grpc/reflection/v1/reflection.proto",
    "grpc/reflection/v1alpha/reflection.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
]

# (service, method) -> (request type, response type, kind)
METHODS = {
    (SCORING, "Score"): ("fraudex.v1.ScoreRequest", "fraudex.v1.ScoreResponse", "unary_unary"),
    (SCORING, "ScoreStream"): ("fraudex.v1.ScoreStreamRequest", "fraudex.v1.ScoreStreamResponse", "stream_stream"),
    (SCORING, "GetModel"): ("fraudex.v1.GetModelRequest", "fraudex.v1.GetModelResponse", "unary_unary"),
    (FEATURES, "ComputeFeatures"): ("fraudex.v1.ComputeFeaturesRequest", "fraudex.v1.ComputeFeaturesResponse", "unary_unary"),
    (FEATURES, "GetEntityState"): ("fraudex.v1.GetEntityStateRequest", "fraudex.v1.GetEntityStateResponse", "unary_unary"),
    (ALERTS, "RecordDecisions"): ("fraudex.v1.RecordDecisionsRequest", "fraudex.v1.RecordDecisionsResponse", "unary_unary"),
    (ALERTS, "ListAlerts"): ("fraudex.v1.ListAlertsRequest", "fraudex.v1.ListAlertsResponse", "unary_unary"),
    (ALERTS, "GetAlert"): ("fraudex.v1.GetAlertRequest", "fraudex.v1.GetAlertResponse", "unary_unary"),
    (ALERTS, "WatchAlerts"): ("fraudex.v1.WatchAlertsRequest", "fraudex.v1.WatchAlertsResponse", "unary_stream"),
    (HEALTH, "Check"): ("grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", "unary_unary"),
}

# Statuses the services give today that differ from the documented contract, with the reason. A case that gets
# exactly this status reports GAP instead of FAIL; once the service answers as documented the case passes. None at
# present: {"case_name": (grpc.StatusCode.X, "why")}.
KNOWN_GAPS = {}


def nuget_root():
    return os.environ.get("NUGET_PACKAGES") or os.path.join(os.path.expanduser("~"), ".nuget", "packages")


def newest(pattern):
    matches = sorted(glob.glob(pattern))
    return matches[-1] if matches else None


def find_protoc(explicit):
    candidates = [explicit, os.environ.get("PROTOC"),
                  newest(os.path.join(nuget_root(), "grpc.tools", "*", "tools", "linux_x64", "protoc"))]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            if not os.access(candidate, os.X_OK):
                os.chmod(candidate, 0o755)
            return candidate
    raise SystemExit("protoc not found: build the solution first (restores Grpc.Tools) or set PROTOC")


def include_dirs(protoc):
    tools = os.path.dirname(os.path.dirname(os.path.dirname(protoc)))  # grpc.tools/<version>
    common = newest(os.path.join(nuget_root(), "google.api.commonprotos", "*", "content", "protos"))
    if common is None:
        raise SystemExit("google/rpc protos not found: the Google.Api.CommonProtos package is restored by the build")
    return [os.path.join(REPO, "protos"), os.path.join(tools, "build", "native", "include"), common]


def load_messages(protoc):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "fraudex.pb")
        args = [protoc, "--include_imports", "--descriptor_set_out=" + out]
        args += ["-I" + d for d in include_dirs(protoc)] + PROTO_FILES
        subprocess.run(args, check=True)
        with open(out, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
    return message_factory.GetMessages(list(files))


class CaseFailure(Exception):
    pass


def expect(condition, got):
    """Fails the case with `got` (what was observed) unless `condition` holds."""
    if not condition:
        raise CaseFailure(got)


CASES = []


def case(expected):
    """Registers a case method; `expected` is what the contract promises, printed on the case's line."""
    def register(fn):
        CASES.append((fn.__name__[len("case_"):], expected, fn))
        return fn
    return register


class Suite:
    def __init__(self, args, messages):
        self.m = messages
        self.targets = {SCORING: args.scoring, FEATURES: args.features, ALERTS: args.alerts}
        self.blocked_account = args.blocked_account
        self.keys = {role: os.environ.get("FRAUDEX_KEY_" + role.upper().replace("-", "_"), "")
                     for role in ("scorer", "analyst", "admin", "scoring-service", "alerts-service")}
        missing = [r for r, k in self.keys.items() if not k]
        if missing:
            raise SystemExit("missing API keys in the environment: " + ", ".join(
                "FRAUDEX_KEY_" + r.upper().replace("-", "_") for r in missing))
        self.channels = {}
        for service, target in self.targets.items():
            self.channels[service] = grpc.insecure_channel(target, options=[
                ("grpc.max_receive_message_length", 16 * MIB),
                ("grpc.max_send_message_length", 16 * MIB),
            ])
            grpc.channel_ready_future(self.channels[service]).result(timeout=CALL_TIMEOUT)
        self.counter = 0

    def close(self):
        for channel in self.channels.values():
            channel.close()

    # ---- helpers -----------------------------------------------------------------------------------------------

    def msg(self, name, **fields):
        return self.m[name](**fields)

    def stub(self, service, method, host=None):
        """A callable for /service/method on the channel of `host` (default: the service's own host)."""
        request, response, kind = METHODS[(service, method)]
        factory = getattr(self.channels[host or service], kind)
        return factory("/%s/%s" % (service, method),
                       request_serializer=lambda message: message.SerializeToString(),
                       response_deserializer=self.m[response].FromString)

    def auth(self, role, extra=()):
        return [("authorization", "Bearer " + self.keys[role])] + list(extra)

    def enum_name(self, message, field, number):
        enum = self.m[message].DESCRIPTOR.fields_by_name[field].enum_type
        value = enum.values_by_number.get(number)
        return value.name if value else str(number)

    def new_id(self, kind):
        self.counter += 1
        return "%s-%s-%d" % (RUN, kind, self.counter)

    def transaction(self, **overrides):
        tx = self.msg("fraudex.v1.Transaction",
                      transaction_id=self.new_id("tx"), account_id=RUN + "-acct", merchant_id=RUN + "-merch",
                      merchant_category_code="5732", amount_minor=129_900, currency="EUR", channel=2,
                      device_id=RUN + "-dev", ip_address="203.0.113.7", country="FR", merchant_country="FR")
        tx.timestamp.GetCurrentTime()
        for name, value in overrides.items():
            setattr(tx, name, value)
        return tx

    def score(self, tx, role="scorer", timeout=CALL_TIMEOUT, **kwargs):
        return self.stub(SCORING, "Score")(self.msg("fraudex.v1.ScoreRequest", transaction=tx),
                                           metadata=self.auth(role), timeout=timeout, **kwargs)

    def decision(self, number):
        return self.enum_name("fraudex.v1.ScoreResponse", "decision", number)

    def bad_request(self, error):
        """Decodes grpc-status-details-bin of an error into (google.rpc.Status, [(field, description)])."""
        raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
        expect(raw is not None, "%s without grpc-status-details-bin" % error.code().name)
        status = self.m["google.rpc.Status"].FromString(raw)
        bad = [d for d in status.details if d.type_url.endswith("/google.rpc.BadRequest")]
        expect(len(bad) == 1, "details %s" % [d.type_url for d in status.details])
        violations = self.m["google.rpc.BadRequest"].FromString(bad[0].value).field_violations
        return status, [(v.field, v.description) for v in violations]

    def expect_status(self, action, code):
        """Runs `action`, which must end with `code`; returns the grpc.RpcError."""
        try:
            result = action()
            if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
                list(result)
        except grpc.RpcError as error:
            expect(error.code() == code, "%s (%s), not %s" % (error.code().name, error.details(), code.name))
            return error
        raise CaseFailure("OK, not %s" % code.name)

    # ---- ScoringService.Score ----------------------------------------------------------------------------------

    @case("OK: the id echoed, APPROVE/REVIEW/DECLINE, 0 <= score <= 1, reasons with codes, model version")
    def case_score_valid(self):
        tx = self.transaction()
        reply = self.score(tx)
        decision = self.decision(reply.decision)
        got = "OK %s score=%.4f reasons=%s model=%s" % (decision, reply.score, [r.code for r in reply.reasons],
                                                        reply.model_version)
        expect(reply.transaction_id == tx.transaction_id, got + " id=%r" % reply.transaction_id)
        expect(decision in ("DECISION_APPROVE", "DECISION_REVIEW", "DECISION_DECLINE"), got)
        expect(0.0 <= reply.score <= 1.0, got)
        expect(reply.model_version != "", got)
        expect(all(r.code and r.description for r in reply.reasons), got)
        expect(not reply.replayed, got + " replayed")
        return got

    @case("the second Score of a transaction_id: OK, replayed, the first decision and score")
    def case_score_replay_idempotent(self):
        tx = self.transaction()
        first = self.score(tx)
        second = self.score(tx)
        got = "first %s %.4f replayed=%s; second %s %.4f replayed=%s" % (
            self.decision(first.decision), first.score, first.replayed,
            self.decision(second.decision), second.score, second.replayed)
        expect(not first.replayed and second.replayed, got)
        expect(first.decision == second.decision and first.score == second.score, got)
        return got

    @case("a blocked account: OK DECISION_DECLINE with RULE_BLOCKED_ACCOUNT in rules_fired and reasons")
    def case_score_rule_decline(self):
        reply = self.score(self.transaction(account_id=self.blocked_account))
        got = "OK %s rules_fired=%s reasons=%s" % (self.decision(reply.decision), list(reply.rules_fired),
                                                   [r.code for r in reply.reasons])
        expect(self.decision(reply.decision) == "DECISION_DECLINE", got)
        expect("RULE_BLOCKED_ACCOUNT" in reply.rules_fired, got)
        expect("RULE_BLOCKED_ACCOUNT" in [r.code for r in reply.reasons], got)
        return got

    @case("INVALID_ARGUMENT; google.rpc.Status (code 3) with a BadRequest naming transaction.amount_minor and "
          "transaction.currency")
    def case_score_invalid_fields(self):
        tx = self.transaction(amount_minor=0, currency="eur")
        error = self.expect_status(lambda: self.score(tx), grpc.StatusCode.INVALID_ARGUMENT)
        status, violations = self.bad_request(error)
        fields = sorted({f for f, _ in violations})
        got = "INVALID_ARGUMENT status.code=%d violations=%s" % (status.code, violations)
        expect(status.code == 3, got)
        expect(fields == ["transaction.amount_minor", "transaction.currency"], got)
        expect(all(d for _, d in violations), got)
        return "INVALID_ARGUMENT status.code=3 fields=%s" % fields

    @case("an empty ScoreRequest: INVALID_ARGUMENT with one violation on `transaction`")
    def case_score_missing_transaction(self):
        call = self.stub(SCORING, "Score")
        error = self.expect_status(lambda: call(self.msg("fraudex.v1.ScoreRequest"), metadata=self.auth("scorer"),
                                                timeout=CALL_TIMEOUT), grpc.StatusCode.INVALID_ARGUMENT)
        _, violations = self.bad_request(error)
        got = "INVALID_ARGUMENT violations=%s" % violations
        expect([f for f, _ in violations] == ["transaction"], got)
        return got

    # ---- keys, roles and metadata ------------------------------------------------------------------------------

    @case("Score without authorization metadata: UNAUTHENTICATED, before validation looks at the request")
    def case_auth_no_key(self):
        call = self.stub(SCORING, "Score")
        invalid = self.msg("fraudex.v1.ScoreRequest")  # would be INVALID_ARGUMENT if validation ran first
        error = self.expect_status(lambda: call(invalid, timeout=CALL_TIMEOUT), grpc.StatusCode.UNAUTHENTICATED)
        return "UNAUTHENTICATED (%s)" % error.details()

    @case("a forged key (known id, wrong secret): UNAUTHENTICATED")
    def case_auth_forged_key(self):
        call = self.stub(SCORING, "Score")
        forged = "Bearer " + self.keys["scorer"].split(".")[0] + "." + "A" * 43
        request = self.msg("fraudex.v1.ScoreRequest", transaction=self.transaction())
        error = self.expect_status(lambda: call(request, metadata=[("authorization", forged)], timeout=CALL_TIMEOUT),
                                   grpc.StatusCode.UNAUTHENTICATED)
        return "UNAUTHENTICATED (%s)" % error.details()

    @case("the key in x-api-key instead of authorization: UNAUTHENTICATED (only authorization is read)")
    def case_auth_key_in_other_header(self):
        call = self.stub(SCORING, "Score")
        request = self.msg("fraudex.v1.ScoreRequest", transaction=self.transaction())
        error = self.expect_status(lambda: call(request, metadata=[("x-api-key", self.keys["scorer"])],
                                                timeout=CALL_TIMEOUT), grpc.StatusCode.UNAUTHENTICATED)
        return "UNAUTHENTICATED (%s)" % error.details()

    @case("Score with the analyst key: PERMISSION_DENIED; GetModel with the scorer key: PERMISSION_DENIED")
    def case_auth_wrong_role(self):
        request = self.msg("fraudex.v1.ScoreRequest", transaction=self.transaction())
        score = self.stub(SCORING, "Score")
        self.expect_status(lambda: score(request, metadata=self.auth("analyst"), timeout=CALL_TIMEOUT),
                           grpc.StatusCode.PERMISSION_DENIED)
        model = self.stub(SCORING, "GetModel")
        self.expect_status(lambda: model(self.msg("fraudex.v1.GetModelRequest"), metadata=self.auth("scorer"),
                                         timeout=CALL_TIMEOUT), grpc.StatusCode.PERMISSION_DENIED)
        return "PERMISSION_DENIED, PERMISSION_DENIED"

    @case("GetModel with the analyst key and with the admin key: OK, model version, features, thresholds")
    def case_get_model_roles(self):
        model = self.stub(SCORING, "GetModel")
        got = []
        for role in ("analyst", "admin"):
            reply = model(self.msg("fraudex.v1.GetModelRequest"), metadata=self.auth(role), timeout=CALL_TIMEOUT)
            line = "%s: %s %d features review=%.4f decline=%.4f" % (role, reply.model_version, len(reply.features),
                                                                   reply.thresholds.review, reply.thresholds.decline)
            expect(reply.model_version and len(reply.features) > 0, line)
            expect(0 < reply.thresholds.review <= reply.thresholds.decline <= 1, line)
            got.append(line)
        return "; ".join(got)

    @case("extra ascii and -bin request metadata are ignored (OK); response headers and trailers of an OK call "
          "carry no error details")
    def case_metadata_round_trip(self):
        binary = bytes([0, 1, 2, 0xFE, 0xFF])
        extra = [("x-request-id", "conf-" + RUN), ("x-trace-context-bin", binary)]
        reply, call = self.stub(SCORING, "Score").with_call(
            self.msg("fraudex.v1.ScoreRequest", transaction=self.transaction()),
            metadata=self.auth("scorer", extra), timeout=CALL_TIMEOUT)
        headers = dict(call.initial_metadata())
        trailers = dict(call.trailing_metadata())
        got = "OK %s headers=%s trailers=%s" % (self.decision(reply.decision), sorted(headers), sorted(trailers))
        expect(call.code() == grpc.StatusCode.OK, got)
        expect("grpc-status-details-bin" not in trailers, got)
        expect(not any(self.keys["scorer"] in str(v) for v in list(headers.values()) + list(trailers.values())), got)
        return got

    # ---- deadlines and sizes -----------------------------------------------------------------------------------

    @case("a ScoreStream left open past a 500 ms deadline: its answer, then DEADLINE_EXCEEDED near 500 ms; "
          "the scorer then answers a Score")
    def case_deadline_exceeded(self):
        outbox = queue.Queue()
        outbox.put(self.msg("fraudex.v1.ScoreStreamRequest", transaction=self.transaction()))

        def requests():
            while True:
                item = outbox.get()
                if item is None:
                    return
                yield item

        started = time.monotonic()
        responses = self.stub(SCORING, "ScoreStream")(requests(), metadata=self.auth("scorer"), timeout=0.5)
        received = 0
        try:
            for _ in responses:
                received += 1
            raise CaseFailure("the stream ended OK although it was never half-closed")
        except grpc.RpcError as error:
            elapsed = time.monotonic() - started
            outbox.put(None)
            got = "%s after %.0f ms, %d answer(s)" % (error.code().name, elapsed * 1000, received)
            expect(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, got)
            expect(received == 1, got)
            expect(0.4 <= elapsed < 5, got)
        after = self.score(self.transaction())
        return got + "; then Score OK %s" % self.decision(after.decision)

    @case("a 3 MiB request (under the 4 MiB limit): read and refused by validation, INVALID_ARGUMENT on "
          "transaction.attributes[blob]")
    def case_large_message_under_limit(self):
        tx = self.transaction()
        tx.attributes["blob"] = "x" * (3 * MIB)
        error = self.expect_status(lambda: self.score(tx), grpc.StatusCode.INVALID_ARGUMENT)
        _, violations = self.bad_request(error)
        got = "INVALID_ARGUMENT fields=%s" % [f for f, _ in violations]
        expect([f for f, _ in violations] == ["transaction.attributes[blob]"], got)
        return got

    @case("a 5 MiB request (over the 4 MiB limit): RESOURCE_EXHAUSTED; the same channel then scores")
    def case_oversized_message_resource_exhausted(self):
        tx = self.transaction()
        tx.attributes["blob"] = "x" * (5 * MIB)
        error = self.expect_status(lambda: self.score(tx), grpc.StatusCode.RESOURCE_EXHAUSTED)
        after = self.score(self.transaction())
        return "RESOURCE_EXHAUSTED (%s); then Score OK %s" % (error.details(), self.decision(after.decision))

    @case("an unparsable protobuf body (a length past the end): INVALID_ARGUMENT \"request message is not a valid "
          "fraudex.v1.ScoreRequest: ...\"; the scorer then answers")
    def case_malformed_body_invalid_argument(self):
        call = self.channels[SCORING].unary_unary("/%s/Score" % SCORING, request_serializer=lambda b: b,
                                                  response_deserializer=lambda b: b)
        error = self.expect_status(lambda: call(b"\x0a\x7f\x0a\x01", metadata=self.auth("scorer"), timeout=CALL_TIMEOUT),
                                   grpc.StatusCode.INVALID_ARGUMENT)
        after = self.score(self.transaction())
        got = "INVALID_ARGUMENT (%s); then Score OK %s" % (error.details(), self.decision(after.decision))
        expect(error.details().startswith("request message is not a valid fraudex.v1.ScoreRequest: "), got)
        return got

    @case("unknown method of ScoringService and unknown service: UNIMPLEMENTED")
    def case_unknown_method_unimplemented(self):
        got = []
        for path in ("/%s/NoSuchMethod" % SCORING, "/fraudex.v1.NoSuchService/Score"):
            call = self.channels[SCORING].unary_unary(path, request_serializer=lambda b: b,
                                                      response_deserializer=lambda b: b)
            error = self.expect_status(lambda: call(b"", metadata=self.auth("admin"), timeout=CALL_TIMEOUT),
                                       grpc.StatusCode.UNIMPLEMENTED)
            got.append("%s %s" % (path, error.code().name))
        return ", ".join(got)

    @case("64 concurrent Score calls on one channel: each OK with its own transaction_id")
    def case_concurrent_unary_calls(self):
        call = self.stub(SCORING, "Score")
        txs = [self.transaction() for _ in range(64)]
        futures = [call.future(self.msg("fraudex.v1.ScoreRequest", transaction=tx), metadata=self.auth("scorer"),
                               timeout=CALL_TIMEOUT) for tx in txs]
        wrong = [tx.transaction_id for tx, f in zip(txs, futures) if f.result().transaction_id != tx.transaction_id]
        got = "64 OK, %d with another call's id" % len(wrong)
        expect(not wrong, got)
        return got

    # ---- ScoringService.ScoreStream ----------------------------------------------------------------------------

    @case("40 messages (every 7th with a bad currency), then half-close: 40 answers in request order, each "
          "echoing its id; bad ones error.code 3 on transaction.currency, the rest a decision; status OK")
    def case_stream_order_and_errors(self):
        sent = []
        for i in range(40):
            tx = self.transaction(currency="eur") if i % 7 == 3 else self.transaction()
            sent.append(self.msg("fraudex.v1.ScoreStreamRequest", transaction=tx))
        responses = self.stub(SCORING, "ScoreStream")(iter(sent), metadata=self.auth("scorer"), timeout=CALL_TIMEOUT)
        answers = list(responses)
        errors = sum(1 for a in answers if a.WhichOneof("outcome") == "error")
        got = "%d answers, %d errors, status %s" % (len(answers), errors, responses.code().name)
        expect(len(answers) == 40, got)
        for i, (request, answer) in enumerate(zip(sent, answers)):
            expect(answer.transaction_id == request.transaction.transaction_id,
                   got + "; answer %d is for %s" % (i, answer.transaction_id))
            if i % 7 == 3:
                expect(answer.WhichOneof("outcome") == "error" and answer.error.code == 3
                       and [v.field for v in answer.error.field_violations] == ["transaction.currency"],
                       got + "; answer %d: %s" % (i, answer))
            else:
                expect(answer.WhichOneof("outcome") == "result"
                       and self.decision(answer.result.decision) != "DECISION_UNSPECIFIED",
                       got + "; answer %d: %s" % (i, answer.WhichOneof("outcome")))
        expect(responses.code() == grpc.StatusCode.OK, got)
        return got

    @case("ScoreStream ping-pong: each answer arrives before the next message is sent (5 rounds), then "
          "half-close ends the stream OK")
    def case_stream_ping_pong(self):
        outbox = queue.Queue()

        def requests():
            while True:
                item = outbox.get(timeout=CALL_TIMEOUT)
                if item is None:
                    return
                yield item

        ids = []
        tx = self.transaction()
        ids.append(tx.transaction_id)
        outbox.put(self.msg("fraudex.v1.ScoreStreamRequest", transaction=tx))
        responses = self.stub(SCORING, "ScoreStream")(requests(), metadata=self.auth("scorer"), timeout=CALL_TIMEOUT)
        received = []
        for answer in responses:
            received.append(answer.transaction_id)
            expect(answer.transaction_id == ids[len(received) - 1],
                   "answer %d for %s, sent %s" % (len(received), answer.transaction_id, ids))
            if len(received) < 5:
                tx = self.transaction()
                ids.append(tx.transaction_id)
                outbox.put(self.msg("fraudex.v1.ScoreStreamRequest", transaction=tx))
            else:
                outbox.put(None)
        got = "%d round trips, status %s" % (len(received), responses.code().name)
        expect(len(received) == 5 and responses.code() == grpc.StatusCode.OK, got)
        return got

    @case("ScoreStream half-closed at once, without a message: no answer, status OK")
    def case_stream_half_close_empty(self):
        responses = self.stub(SCORING, "ScoreStream")(iter([]), metadata=self.auth("scorer"), timeout=CALL_TIMEOUT)
        answers = list(responses)
        got = "%d answers, status %s" % (len(answers), responses.code().name)
        expect(not answers and responses.code() == grpc.StatusCode.OK, got)
        return got

    @case("ScoreStream without a key: UNAUTHENTICATED; with the analyst key: PERMISSION_DENIED")
    def case_stream_auth(self):
        got = []
        for metadata, code in (([], grpc.StatusCode.UNAUTHENTICATED),
                               (self.auth("analyst"), grpc.StatusCode.PERMISSION_DENIED)):
            request = self.msg("fraudex.v1.ScoreStreamRequest", transaction=self.transaction())
            call = self.stub(SCORING, "ScoreStream")
            error = self.expect_status(lambda: call(iter([request]), metadata=metadata, timeout=CALL_TIMEOUT), code)
            got.append(error.code().name)
        return ", ".join(got)

    # ---- health and reflection ---------------------------------------------------------------------------------

    @case("grpc.health.v1 Check on each host: \"\" and its fraudex.v1.*Service SERVING; an unknown service NOT_FOUND")
    def case_health(self):
        serving = self.m["grpc.health.v1.HealthCheckResponse"].DESCRIPTOR.enum_values_by_name["SERVING"].number
        got = []
        for service in (SCORING, FEATURES, ALERTS):
            check = self.stub(HEALTH, "Check", host=service)
            for name in ("", service):
                reply = check(self.msg("grpc.health.v1.HealthCheckRequest", service=name), timeout=CALL_TIMEOUT)
                status = self.enum_name("grpc.health.v1.HealthCheckResponse", "status", reply.status)
                expect(reply.status == serving, "%s on %s: %s" % (name or '""', service, status))
            self.expect_status(lambda: check(self.msg("grpc.health.v1.HealthCheckRequest",
                                                      service="fraudex.v1.NoSuchService"), timeout=CALL_TIMEOUT),
                               grpc.StatusCode.NOT_FOUND)
            got.append("%s: \"\" SERVING, %s SERVING, unknown NOT_FOUND" % (service.split(".")[-1], service))
        return "; ".join(got)

    def reflection(self, version):
        package = "grpc.reflection.%s" % version
        request = self.m[package + ".ServerReflectionRequest"]
        got = []
        for service, methods in ((SCORING, ["GetModel", "Score", "ScoreStream"]),
                                 (FEATURES, ["ComputeFeatures", "GetEntityState", "RecordLabels"]),
                                 (ALERTS, ["GetAlert", "ListAlerts", "RecordDecisions", "ReportLabel",
                                           "UpdateAlert", "WatchAlerts"])):
            call = self.channels[service].stream_stream(
                "/%s.ServerReflection/ServerReflectionInfo" % package,
                request_serializer=lambda message: message.SerializeToString(),
                response_deserializer=self.m[package + ".ServerReflectionResponse"].FromString)
            replies = list(call(iter([request(list_services=""), request(file_containing_symbol=service)]),
                                timeout=CALL_TIMEOUT))
            expect(len(replies) == 2, "%d replies to 2 requests" % len(replies))
            names = sorted(s.name for s in replies[0].list_services_response.service)
            for expected in (service, HEALTH, "grpc.reflection.v1.ServerReflection",
                             "grpc.reflection.v1alpha.ServerReflection"):
                expect(expected in names, "%s lists %s" % (service, names))
            files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                     for b in replies[1].file_descriptor_response.file_descriptor_proto]
            short = service.split(".")[-1]
            found = [s for f in files for s in f.service if f.package == "fraudex.v1" and s.name == short]
            expect(len(found) == 1, "file_containing_symbol(%s) gave %s" % (service, [f.name for f in files]))
            expect(sorted(m.name for m in found[0].method) == methods,
                   "%s methods %s" % (service, sorted(m.name for m in found[0].method)))
            got.append("%s lists %s; %s has %s" % (short, [n for n in names if n != HEALTH and "reflection" not in n],
                                                  short, ",".join(methods)))
        return "; ".join(got)

    @case("reflection v1 on each host: list_services names its service, health and both reflection services; "
          "file_containing_symbol returns its methods")
    def case_reflection_v1(self):
        return self.reflection("v1")

    @case("reflection v1alpha: the same as v1")
    def case_reflection_v1alpha(self):
        return self.reflection("v1alpha")

    # ---- FeatureService and AlertService with their roles ------------------------------------------------------

    @case("GetEntityState (analyst) of a scored account: OK found; of an unknown account: OK not found; "
          "entity type unspecified: INVALID_ARGUMENT on entity_type; scorer key: PERMISSION_DENIED")
    def case_features_entity_state(self):
        account = self.new_id("acct")
        self.score(self.transaction(account_id=account))
        state = self.stub(FEATURES, "GetEntityState")
        request = lambda kind, entity: self.msg("fraudex.v1.GetEntityStateRequest", entity_type=kind, entity_id=entity)
        known = state(request(1, account), metadata=self.auth("analyst"), timeout=CALL_TIMEOUT)
        unknown = state(request(1, self.new_id("never")), metadata=self.auth("analyst"), timeout=CALL_TIMEOUT)
        got = "scored: found=%s fields=%d; unknown: found=%s" % (known.found, len(known.fields), unknown.found)
        expect(known.found and len(known.fields) > 0 and not unknown.found, got)
        error = self.expect_status(lambda: state(request(0, account), metadata=self.auth("analyst"),
                                                 timeout=CALL_TIMEOUT), grpc.StatusCode.INVALID_ARGUMENT)
        _, violations = self.bad_request(error)
        expect([f for f, _ in violations] == ["entity_type"], got + "; violations %s" % violations)
        self.expect_status(lambda: state(request(1, account), metadata=self.auth("scorer"), timeout=CALL_TIMEOUT),
                           grpc.StatusCode.PERMISSION_DENIED)
        return got + "; unspecified: INVALID_ARGUMENT [entity_type]; scorer: PERMISSION_DENIED"

    @case("ComputeFeatures with the scoring-service key: one vector per transaction, in order; with the analyst "
          "key: PERMISSION_DENIED")
    def case_features_compute_roles(self):
        txs = [self.transaction(account_id=self.new_id("acct")) for _ in range(3)]
        compute = self.stub(FEATURES, "ComputeFeatures")
        request = self.msg("fraudex.v1.ComputeFeaturesRequest", transactions=txs)
        reply = compute(request, metadata=self.auth("scoring-service"), timeout=CALL_TIMEOUT)
        got = "schema %s, %d vectors of %s values" % (reply.schema_version, len(reply.vectors),
                                                     sorted({len(v.values) for v in reply.vectors}))
        expect([v.transaction_id for v in reply.vectors] == [t.transaction_id for t in txs], got)
        expect(all(len(v.values) > 0 for v in reply.vectors) and reply.schema_version, got)
        self.expect_status(lambda: compute(request, metadata=self.auth("analyst"), timeout=CALL_TIMEOUT),
                           grpc.StatusCode.PERMISSION_DENIED)
        return got + "; analyst: PERMISSION_DENIED"

    @case("a DECLINE reaches the alert service: ListAlerts (analyst) finds its alert within 15 s, GetAlert returns "
          "it with its decision")
    def case_alerts_decline_listed(self):
        tx = self.transaction(account_id=self.blocked_account)
        reply = self.score(tx)
        expect(self.decision(reply.decision) == "DECISION_DECLINE", "Score %s" % self.decision(reply.decision))
        listing = self.stub(ALERTS, "ListAlerts")
        started = time.monotonic()
        alert = None
        while alert is None and time.monotonic() - started < 15:
            page = listing(self.msg("fraudex.v1.ListAlertsRequest", account_id=self.blocked_account, page_size=100),
                           metadata=self.auth("analyst"), timeout=CALL_TIMEOUT)
            alert = next((a for a in page.alerts if a.transaction_id == tx.transaction_id), None)
            if alert is None:
                time.sleep(0.2)
        expect(alert is not None, "no alert for %s after 15 s" % tx.transaction_id)
        detail = self.stub(ALERTS, "GetAlert")(self.msg("fraudex.v1.GetAlertRequest", alert_id=alert.alert_id),
                                               metadata=self.auth("analyst"), timeout=CALL_TIMEOUT)
        got = "alert %s after %.0f ms, %s, GetAlert OK" % (alert.alert_id, (time.monotonic() - started) * 1000,
                                                          self.enum_name("fraudex.v1.Alert", "decision", alert.decision))
        expect(detail.alert.transaction_id == tx.transaction_id and detail.alert.decision == reply.decision, got)
        return got

    @case("AlertService roles: ListAlerts with the scorer key and RecordDecisions with the analyst key "
          "PERMISSION_DENIED; GetAlert of an unknown id NOT_FOUND")
    def case_alerts_roles_and_not_found(self):
        listing = self.stub(ALERTS, "ListAlerts")
        self.expect_status(lambda: listing(self.msg("fraudex.v1.ListAlertsRequest", page_size=1),
                                           metadata=self.auth("scorer"), timeout=CALL_TIMEOUT),
                           grpc.StatusCode.PERMISSION_DENIED)
        record = self.stub(ALERTS, "RecordDecisions")
        self.expect_status(lambda: record(self.msg("fraudex.v1.RecordDecisionsRequest"),
                                          metadata=self.auth("analyst"), timeout=CALL_TIMEOUT),
                           grpc.StatusCode.PERMISSION_DENIED)
        detail = self.stub(ALERTS, "GetAlert")
        error = self.expect_status(lambda: detail(self.msg("fraudex.v1.GetAlertRequest", alert_id="999999999999"),
                                                  metadata=self.auth("analyst"), timeout=CALL_TIMEOUT),
                                   grpc.StatusCode.NOT_FOUND)
        return "PERMISSION_DENIED, PERMISSION_DENIED, NOT_FOUND (%s)" % error.details()

    @case("WatchAlerts (analyst) streams the CREATED event of a new DECLINE; a watch with a 500 ms deadline "
          "ends DEADLINE_EXCEEDED")
    def case_alerts_watch(self):
        watch = self.stub(ALERTS, "WatchAlerts")
        stream = watch(self.msg("fraudex.v1.WatchAlertsRequest"), metadata=self.auth("analyst"), timeout=CALL_TIMEOUT)
        declined = set()
        seen = []
        stop = threading.Event()

        def decline_until_seen():
            # The subscription starts when the server runs the handler; decline until one of ours is seen.
            while not stop.is_set() and len(declined) < 30:
                tx = self.transaction(account_id=self.blocked_account)
                declined.add(tx.transaction_id)
                self.score(tx)
                stop.wait(0.5)

        thread = threading.Thread(target=decline_until_seen, daemon=True)
        thread.start()
        started = time.monotonic()
        try:
            for event in stream:
                if event.alert.transaction_id in declined:
                    seen.append(self.enum_name("fraudex.v1.WatchAlertsResponse", "event_type", event.event_type))
                    break
        finally:
            stop.set()
            stream.cancel()
            thread.join(timeout=CALL_TIMEOUT)
        got = "event %s after %.0f ms" % (seen, (time.monotonic() - started) * 1000)
        expect(seen == ["ALERT_EVENT_TYPE_CREATED"], got)
        short = watch(self.msg("fraudex.v1.WatchAlertsRequest", min_score=0.0), metadata=self.auth("analyst"),
                      timeout=0.5)
        began = time.monotonic()
        error = self.expect_status(lambda: short, grpc.StatusCode.DEADLINE_EXCEEDED)
        return got + "; short watch %s after %.0f ms" % (error.code().name, (time.monotonic() - began) * 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scoring", required=True, help="host:port of FraudEx.Scoring")
    parser.add_argument("--features", required=True, help="host:port of FraudEx.Features")
    parser.add_argument("--alerts", required=True, help="host:port of FraudEx.Alerts")
    parser.add_argument("--blocked-account", required=True, help="an account id the scorer's rules file blocks")
    parser.add_argument("--protoc", help="protoc to compile the .proto files with")
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()

    suite = Suite(args, load_messages(find_protoc(args.protoc)))
    cases = CASES
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c[0] in wanted]

    print("python3-grpcio %s (gRPC C-core) against scoring %s, features %s, alerts %s"
          % (grpc.__version__, args.scoring, args.features, args.alerts), flush=True)
    passed = failed = gaps = 0
    for name, expected, fn in cases:
        started = time.monotonic()
        outcome = "PASS"
        try:
            got = fn(suite)
            passed += 1
        except CaseFailure as failure:
            got = str(failure)
            outcome = "FAIL"
            gap = KNOWN_GAPS.get(name)
            if gap and got.startswith(gap[0].name):
                outcome, got = "GAP", "%s (known gap: %s)" % (got, gap[1])
        except grpc.RpcError as error:
            outcome, got = "FAIL", "unexpected %s: %s" % (error.code().name, error.details())
        except Exception:  # a case fails on any exception, with its reason on the same line
            outcome, got = "FAIL", traceback.format_exc(limit=3).strip().replace("\n", " | ")
        if outcome == "FAIL":
            failed += 1
        elif outcome == "GAP":
            gaps += 1
        print("%s %s | expected: %s | got: %s | %.0f ms"
              % (outcome, name, expected, got, (time.monotonic() - started) * 1000), flush=True)
    suite.close()
    print("%d passed, %d failed, %d known gaps" % (passed, failed, gaps), flush=True)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    threading.current_thread().name = "conformance"
    sys.exit(main())
