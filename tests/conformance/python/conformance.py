#!/usr/bin/python3
"""FraudEx's gRPC conformance cases, run by python3-grpcio (gRPC C-core) against a server of
fraudex.testing.v1.ConformanceService (tests/protos/fraudex/testing/v1/conformance.proto).

No generated stubs: the .proto files are compiled to a FileDescriptorSet by protoc (the one in the Grpc.Tools NuGet
package the build restores, or $PROTOC), loaded into a descriptor pool, and called through grpcio's generic
channel.unary_unary / unary_stream / stream_unary / stream_stream API. That works with nothing but Debian's
python3-grpcio and python3-protobuf.

Usage: /usr/bin/python3 conformance.py --target 127.0.0.1:PORT [--protoc PATH] [--only CASE[,CASE]]
Prints one line per case and "N passed, N failed"; exits 1 on any failure.
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
SERVICE = "fraudex.testing.v1.ConformanceService"
MIB = 1024 * 1024
CALL_TIMEOUT = 30.0  # seconds; every call has a deadline so a hang fails the case instead of the run

PROTO_FILES = [
    "fraudex/testing/v1/conformance.proto",
    "grpc/health/v1/health.proto",
    "grpc/reflection/v1/reflection.proto",
    "grpc/reflection/v1alpha/reflection.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
]


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
    dirs = [os.path.join(REPO, "tests", "protos"), os.path.join(REPO, "protos"),
            os.path.join(tools, "build", "native", "include")]
    if common is None:
        raise SystemExit("google/rpc protos not found: the Google.Api.CommonProtos package is restored by the build")
    return dirs + [common]


def load_messages(protoc):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "conformance.pb")
        args = [protoc, "--include_imports", "--descriptor_set_out=" + out]
        args += ["-I" + d for d in include_dirs(protoc)] + PROTO_FILES
        subprocess.run(args, check=True)
        with open(out, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
    return message_factory.GetMessages(list(files))


class Suite:
    def __init__(self, target, messages):
        self.m = messages
        self.target = target
        self.channel = grpc.insecure_channel(target, options=[
            ("grpc.max_receive_message_length", 16 * MIB),
            ("grpc.max_send_message_length", 16 * MIB),
        ])
        grpc.channel_ready_future(self.channel).result(timeout=CALL_TIMEOUT)

    def msg(self, name, **fields):
        return self.m[name](**fields)

    def stub(self, kind, method, request, response, service=SERVICE):
        factory = getattr(self.channel, kind)
        return factory("/%s/%s" % (service, method),
                       request_serializer=lambda message: message.SerializeToString(),
                       response_deserializer=self.m[response].FromString)

    def unary(self):
        return self.stub("unary_unary", "Unary", "fraudex.testing.v1.EchoRequest", "fraudex.testing.v1.EchoResponse")

    def echo(self, **fields):
        return self.msg("fraudex.testing.v1.EchoRequest", **fields)

    # ---- cases -------------------------------------------------------------------------------------------------

    def case_unary(self):
        reply = self.unary()(self.echo(payload=b"fraudex"), timeout=CALL_TIMEOUT)
        expect(reply.payload == b"fraudex", "echoed payload %r" % reply.payload)
        expect(reply.sequence == 0, "sequence %d" % reply.sequence)

    def case_unary_empty_message(self):
        reply = self.unary()(self.echo(), timeout=CALL_TIMEOUT)
        expect(reply.ByteSize() == 0, "an empty request echoes an empty (zero-length) message")

    def case_unary_response_size(self):
        reply = self.unary()(self.echo(payload=b"x", response_size=1000), timeout=CALL_TIMEOUT)
        expect(len(reply.payload) == 1000, "payload of %d bytes" % len(reply.payload))

    def case_server_streaming_10000(self):
        call = self.stub("unary_stream", "ServerStream", "fraudex.testing.v1.ServerStreamRequest",
                         "fraudex.testing.v1.EchoResponse")
        request = self.msg("fraudex.testing.v1.ServerStreamRequest", count=10000, payload_size=64)
        count = 0
        for reply in call(request, timeout=60):
            expect(reply.sequence == count, "sequence %d at position %d" % (reply.sequence, count))
            expect(len(reply.payload) == 64, "payload of %d bytes" % len(reply.payload))
            count += 1
        expect(count == 10000, "received %d messages" % count)

    def case_server_streaming_ends_with_status(self):
        call = self.stub("unary_stream", "ServerStream", "fraudex.testing.v1.ServerStreamRequest",
                         "fraudex.testing.v1.EchoResponse")
        status = self.msg("fraudex.testing.v1.StatusSpec", code=grpc.StatusCode.ABORTED.value[0], message="after 3")
        responses = call(self.msg("fraudex.testing.v1.ServerStreamRequest", count=3, payload_size=1, fail_with=status),
                         timeout=CALL_TIMEOUT)
        received = 0
        try:
            for _ in responses:
                received += 1
            raise AssertionError("the stream ended OK")
        except grpc.RpcError as error:
            expect(error.code() == grpc.StatusCode.ABORTED, "status %s" % error.code())
            expect(error.details() == "after 3", "message %r" % error.details())
        expect(received == 3, "received %d messages before the status" % received)

    def case_client_streaming(self):
        call = self.stub("stream_unary", "ClientStream", "fraudex.testing.v1.EchoRequest",
                         "fraudex.testing.v1.ClientStreamResponse")
        requests = (self.echo(payload=bytes(1024)) for _ in range(500))
        reply = call(requests, timeout=CALL_TIMEOUT)
        expect(reply.count == 500, "count %d" % reply.count)
        expect(reply.total_bytes == 500 * 1024, "total_bytes %d" % reply.total_bytes)

    def case_client_streaming_failure(self):
        call = self.stub("stream_unary", "ClientStream", "fraudex.testing.v1.EchoRequest",
                         "fraudex.testing.v1.ClientStreamResponse")
        fail = self.msg("fraudex.testing.v1.StatusSpec", code=grpc.StatusCode.INVALID_ARGUMENT.value[0],
                        message="bad message 2")
        requests = [self.echo(payload=b"a"), self.echo(payload=b"b"), self.echo(fail_with=fail)]
        error = expect_rpc_error(lambda: call(iter(requests), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.INVALID_ARGUMENT, "status %s" % error.code())
        expect(error.details() == "bad message 2", "message %r" % error.details())

    def case_bidi_ping_pong(self):
        call = self.stub("stream_stream", "Bidi", "fraudex.testing.v1.EchoRequest", "fraudex.testing.v1.EchoResponse")
        outbox = queue.Queue()

        def requests():
            while True:
                item = outbox.get()
                if item is None:
                    return
                yield item

        rounds = 100
        outbox.put(self.echo(payload=b"ping-0"))
        responses = call(requests(), timeout=CALL_TIMEOUT)
        received = 0
        for reply in responses:
            # The next ping goes out only after its pong arrived: each message is a full round trip.
            expect(reply.payload == b"ping-%d" % received, "pong %r for ping %d" % (reply.payload, received))
            expect(reply.sequence == received, "sequence %d" % reply.sequence)
            received += 1
            outbox.put(self.echo(payload=b"ping-%d" % received) if received < rounds else None)
        expect(received == rounds, "%d round trips" % received)

    def case_large_message_3mib(self):
        payload = os.urandom(3 * MIB)
        reply = self.unary()(self.echo(payload=payload), timeout=CALL_TIMEOUT)
        expect(reply.payload == payload, "3 MiB echoed intact (%d bytes back)" % len(reply.payload))

    def case_oversized_message_resource_exhausted(self):
        error = expect_rpc_error(lambda: self.unary()(self.echo(payload=bytes(5 * MIB)), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, "status %s (%s)" % (error.code(), error.details()))
        # The connection stays usable after the refusal.
        self.case_unary()

    def case_oversized_response_resource_exhausted(self):
        error = expect_rpc_error(
            lambda: self.unary()(self.echo(response_size=5 * MIB), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, "status %s (%s)" % (error.code(), error.details()))

    def case_deadline_exceeded(self):
        started = time.monotonic()
        error = expect_rpc_error(lambda: self.unary()(self.echo(delay_ms=10000), timeout=0.3))
        elapsed = time.monotonic() - started
        expect(error.code() == grpc.StatusCode.DEADLINE_EXCEEDED, "status %s" % error.code())
        expect(elapsed < 5, "the call ended after %.1fs, not at its deadline" % elapsed)

    def case_client_cancel_mid_stream(self):
        call = self.stub("unary_stream", "ServerStream", "fraudex.testing.v1.ServerStreamRequest",
                         "fraudex.testing.v1.EchoResponse")
        responses = call(self.msg("fraudex.testing.v1.ServerStreamRequest", count=1000000, payload_size=16,
                                  interval_ms=1), timeout=CALL_TIMEOUT)
        received = 0
        try:
            for _ in responses:
                received += 1
                if received == 5:
                    responses.cancel()
            raise AssertionError("the stream ran to its end")
        except grpc.RpcError as error:
            expect(error.code() == grpc.StatusCode.CANCELLED, "status %s" % error.code())
        expect(received >= 5, "received %d before cancelling" % received)
        # The server saw the RST_STREAM and keeps serving on the same connection.
        self.case_unary()

    def case_status_non_ascii_message(self):
        text = "Zahlung abgelehnt: ungültige Währung € · 支付被拒绝 ✓ 100%"
        fail = self.msg("fraudex.testing.v1.StatusSpec", code=grpc.StatusCode.FAILED_PRECONDITION.value[0],
                        message=text)
        error = expect_rpc_error(lambda: self.unary()(self.echo(fail_with=fail), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.FAILED_PRECONDITION, "status %s" % error.code())
        expect(error.details() == text, "message %r" % error.details())

    def case_status_details_bad_request(self):
        fail = self.msg("fraudex.testing.v1.StatusSpec", code=grpc.StatusCode.INVALID_ARGUMENT.value[0],
                        message="payload must not be empty", with_details=True)
        error = expect_rpc_error(lambda: self.unary()(self.echo(fail_with=fail), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.INVALID_ARGUMENT, "status %s" % error.code())
        raw = dict(error.trailing_metadata()).get("grpc-status-details-bin")
        expect(raw is not None, "no grpc-status-details-bin trailer")
        status = self.m["google.rpc.Status"].FromString(raw)
        expect(status.code == 3, "google.rpc.Status.code %d" % status.code)
        expect(status.message == "payload must not be empty", "google.rpc.Status.message %r" % status.message)
        bad = [d for d in status.details if d.type_url.endswith("/google.rpc.BadRequest")]
        expect(len(bad) == 1, "details %s" % [d.type_url for d in status.details])
        violations = self.m["google.rpc.BadRequest"].FromString(bad[0].value).field_violations
        expect(len(violations) == 1 and violations[0].field == "payload"
               and violations[0].description == "payload must not be empty", "violations %s" % violations)

    def case_metadata_echo(self):
        binary = bytes([0, 1, 2, 0xFE, 0xFF]) + "ü".encode()
        metadata = [("x-echo-text", "fraud ex 1"), ("x-echo-data-bin", binary), ("x-other", "not echoed")]
        reply, call = self.unary().with_call(self.echo(payload=b"m", echo_metadata=True), metadata=metadata,
                                             timeout=CALL_TIMEOUT)
        headers = dict(call.initial_metadata())
        trailers = dict(call.trailing_metadata())
        expect(reply.payload == b"m", "payload %r" % reply.payload)
        expect(headers.get("x-echo-text") == "fraud ex 1", "header x-echo-text %r" % headers.get("x-echo-text"))
        expect(headers.get("x-echo-data-bin") == binary, "header x-echo-data-bin %r" % headers.get("x-echo-data-bin"))
        expect("x-other" not in headers, "x-other was echoed")
        expect(trailers.get("x-echo-text-trailer") == "fraud ex 1", "trailer %r" % trailers.get("x-echo-text-trailer"))
        expect(trailers.get("x-echo-data-trailer-bin") == binary,
               "trailer x-echo-data-trailer-bin %r" % trailers.get("x-echo-data-trailer-bin"))

    def case_metadata_echo_on_error(self):
        fail = self.msg("fraudex.testing.v1.StatusSpec", code=grpc.StatusCode.NOT_FOUND.value[0], message="gone")
        call = self.unary()
        error = expect_rpc_error(lambda: call(self.echo(fail_with=fail, echo_metadata=True),
                                              metadata=[("x-echo-k", "v")], timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.NOT_FOUND, "status %s" % error.code())
        trailers = dict(error.trailing_metadata())
        expect(trailers.get("x-echo-k-trailer") == "v", "trailer %r on a failed call" % trailers.get("x-echo-k-trailer"))

    def case_unknown_method_unimplemented(self):
        call = self.stub("unary_unary", "NoSuchMethod", "fraudex.testing.v1.EchoRequest",
                         "fraudex.testing.v1.EchoResponse")
        error = expect_rpc_error(lambda: call(self.echo(), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.UNIMPLEMENTED, "status %s" % error.code())
        call = self.stub("unary_unary", "Unary", "fraudex.testing.v1.EchoRequest", "fraudex.testing.v1.EchoResponse",
                         service="fraudex.testing.v1.NoSuchService")
        error = expect_rpc_error(lambda: call(self.echo(), timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.UNIMPLEMENTED, "unknown service: status %s" % error.code())

    def case_concurrent_unary_calls(self):
        call = self.unary()
        futures = [call.future(self.echo(payload=b"%d" % i, delay_ms=20), timeout=CALL_TIMEOUT) for i in range(200)]
        for i, future in enumerate(futures):
            expect(future.result().payload == b"%d" % i, "call %d got another call's answer" % i)

    def case_health_check_serving(self):
        call = self.stub("unary_unary", "Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse",
                         service="grpc.health.v1.Health")
        serving = self.m["grpc.health.v1.HealthCheckResponse"].DESCRIPTOR.enum_values_by_name["SERVING"].number
        reply = call(self.msg("grpc.health.v1.HealthCheckRequest", service=""), timeout=CALL_TIMEOUT)
        expect(reply.status == serving, "overall status %d, expected SERVING" % reply.status)
        error = expect_rpc_error(lambda: call(self.msg("grpc.health.v1.HealthCheckRequest", service="no.such.Service"),
                                              timeout=CALL_TIMEOUT))
        expect(error.code() == grpc.StatusCode.NOT_FOUND, "unknown service: status %s" % error.code())

    def reflection(self, version):
        package = "grpc.reflection.%s" % version
        call = self.stub("stream_stream", "ServerReflectionInfo", package + ".ServerReflectionRequest",
                         package + ".ServerReflectionResponse", service=package + ".ServerReflection")
        request = self.m[package + ".ServerReflectionRequest"]
        replies = list(call(iter([request(list_services=""), request(file_containing_symbol=SERVICE)]),
                            timeout=CALL_TIMEOUT))
        expect(len(replies) == 2, "%d replies to 2 requests" % len(replies))
        names = {s.name for s in replies[0].list_services_response.service}
        for expected in (SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                         "grpc.reflection.v1alpha.ServerReflection"):
            expect(expected in names, "%s missing from %s" % (expected, sorted(names)))
        files = [descriptor_pb2.FileDescriptorProto.FromString(b)
                 for b in replies[1].file_descriptor_response.file_descriptor_proto]
        conformance = [f for f in files if f.name == "fraudex/testing/v1/conformance.proto"]
        expect(len(conformance) == 1, "file_containing_symbol returned %s" % [f.name for f in files])
        methods = sorted(m.name for m in conformance[0].service[0].method)
        expect(methods == ["Bidi", "ClientStream", "ServerStream", "Unary"], "methods %s" % methods)
        return sorted(names)

    def case_reflection_v1_lists_services(self):
        self.reflection("v1")

    def case_reflection_v1alpha_lists_services(self):
        self.reflection("v1alpha")


class CaseFailure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CaseFailure(message)


def expect_rpc_error(action):
    try:
        action()
    except grpc.RpcError as error:
        return error
    raise CaseFailure("the call succeeded; an error status was expected")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="host:port of the conformance server")
    parser.add_argument("--protoc", help="protoc to compile the .proto files with")
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()

    messages = load_messages(find_protoc(args.protoc))
    suite = Suite(args.target, messages)
    names = [n[len("case_"):] for n in dir(Suite) if n.startswith("case_")]
    order = sorted(names, key=lambda n: Suite.__dict__["case_" + n].__code__.co_firstlineno)
    if args.only:
        wanted = set(args.only.split(","))
        order = [n for n in order if n in wanted]

    print("python3-grpcio %s (gRPC C-core) against %s" % (grpc.__version__, args.target), flush=True)
    passed = failed = 0
    for name in order:
        started = time.monotonic()
        try:
            getattr(suite, "case_" + name)()
            passed += 1
            print("PASS %s (%.0f ms)" % (name, (time.monotonic() - started) * 1000), flush=True)
        except Exception as error:  # a case fails on any exception, with its reason on the same line
            failed += 1
            reason = str(error) or type(error).__name__
            if isinstance(error, grpc.RpcError):
                reason = "unexpected status %s: %s" % (error.code(), error.details())
            elif not isinstance(error, CaseFailure):
                reason = traceback.format_exc(limit=3).strip().replace("\n", " | ")
            print("FAIL %s: %s" % (name, reason), flush=True)
    suite.channel.close()
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    threading.current_thread().name = "conformance"
    sys.exit(main())
