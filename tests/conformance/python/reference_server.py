#!/usr/bin/python3
"""fraudex.testing.v1.ConformanceService served by python3-grpcio's own (C-core) server.

A reference for the conformance suites: both must pass against it (apart from health and reflection, which the
Debian grpcio package does not ship), which shows their expectations are gRPC's, not FraudEx's.

Usage: /usr/bin/python3 reference_server.py --port PORT
"""

import argparse
import sys
import time
from concurrent import futures

import grpc

import conformance

MIB = 1024 * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    m = conformance.load_messages(conformance.find_protoc(None))
    Echo = m["fraudex.testing.v1.EchoResponse"]
    Status = m["google.rpc.Status"]
    BadRequest = m["google.rpc.BadRequest"]
    Any = m["google.protobuf.Any"]

    def wait(delay_ms, context):
        deadline = time.monotonic() + delay_ms / 1000.0
        while time.monotonic() < deadline and context.is_active():
            time.sleep(0.005)

    def fail(spec, context):
        trailers = []
        if spec.with_details:
            bad_request = BadRequest()
            bad_request.field_violations.add(field="payload", description=spec.message)
            detail = Any(type_url="type.googleapis.com/google.rpc.BadRequest", value=bad_request.SerializeToString())
            trailers.append(("grpc-status-details-bin",
                             Status(code=spec.code, message=spec.message, details=[detail]).SerializeToString()))
        if trailers:
            context.set_trailing_metadata(tuple(trailers) + tuple(context._echo_trailers))
        context.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == spec.code).value), spec.message)

    def echo_metadata(request, context):
        headers, trailers = [], []
        for key, value in context.invocation_metadata():
            if key.startswith("x-echo-"):
                headers.append((key, value))
                trailer = key[:-4] + "-trailer-bin" if key.endswith("-bin") else key + "-trailer"
                trailers.append((trailer, value))
        context.send_initial_metadata(headers)
        context.set_trailing_metadata(trailers)
        context._echo_trailers = trailers

    def unary(request, context):
        context._echo_trailers = []
        if request.echo_metadata:
            echo_metadata(request, context)
        wait(request.delay_ms, context)
        if request.fail_with.code:
            fail(request.fail_with, context)
        payload = bytes(request.response_size) if request.response_size > 0 else request.payload
        return Echo(payload=payload, sequence=0)

    def server_stream(request, context):
        context._echo_trailers = []
        for i in range(request.count):
            if not context.is_active():
                return
            if i and request.interval_ms:
                time.sleep(request.interval_ms / 1000.0)
            yield Echo(payload=bytes(request.payload_size), sequence=i)
        if request.fail_with.code:
            fail(request.fail_with, context)

    def client_stream(requests, context):
        context._echo_trailers = []
        count = total = 0
        for request in requests:
            if request.fail_with.code:
                fail(request.fail_with, context)
            count += 1
            total += len(request.payload)
        return m["fraudex.testing.v1.ClientStreamResponse"](count=count, total_bytes=total)

    def bidi(requests, context):
        context._echo_trailers = []
        for i, request in enumerate(requests):
            if request.fail_with.code:
                fail(request.fail_with, context)
            yield Echo(payload=request.payload, sequence=i)

    def handler(kind, fn, request_type):
        return kind(fn, request_deserializer=m[request_type].FromString,
                    response_serializer=lambda message: message.SerializeToString())

    handlers = grpc.method_handlers_generic_handler(conformance.SERVICE, {
        "Unary": handler(grpc.unary_unary_rpc_method_handler, unary, "fraudex.testing.v1.EchoRequest"),
        "ServerStream": handler(grpc.unary_stream_rpc_method_handler, server_stream,
                                "fraudex.testing.v1.ServerStreamRequest"),
        "ClientStream": handler(grpc.stream_unary_rpc_method_handler, client_stream, "fraudex.testing.v1.EchoRequest"),
        "Bidi": handler(grpc.stream_stream_rpc_method_handler, bidi, "fraudex.testing.v1.EchoRequest"),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64), handlers=[handlers],
                         options=[("grpc.max_receive_message_length", 4 * MIB),
                                  ("grpc.max_send_message_length", 4 * MIB)])
    server.add_insecure_port("127.0.0.1:%d" % args.port)
    server.start()
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    sys.exit(main())
