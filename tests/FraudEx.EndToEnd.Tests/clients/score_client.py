#!/usr/bin/python3
"""Scores transactions against fraudex.v1.ScoringService with python3-grpcio (gRPC C-core), as a gateway written
in Python would. No generated stubs: message classes come from a FileDescriptorSet written by the end-to-end test,
and calls go through grpcio's generic unary_unary / stream_stream API.

Usage: /usr/bin/python3 score_client.py --target 127.0.0.1:PORT --descriptors set.pb --input txs.pb
           --api-key KEY --mode unary|stream|errors --out results.jsonl
The input is a serialized fraudex.v1.ComputeFeaturesRequest (its repeated Transaction). Each answer is written as one
JSON line {"id", "decision", "score", "replayed", "error"}; `errors` mode checks the bad-input and auth statuses.
"""

import argparse
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

TIMEOUT = 30.0  # seconds; every call has a deadline so a hang fails instead of blocking the test


def load_messages(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:  # written in dependency order
        pool.Add(file_proto)
    names = ["ScoreRequest", "ScoreResponse", "ScoreStreamRequest", "ScoreStreamResponse", "ComputeFeaturesRequest"]
    # GetMessageClass is protobuf >= 4.22; Debian's 3.21/4.21 has the MessageFactory form only.
    if hasattr(message_factory, "GetMessageClass"):
        make = message_factory.GetMessageClass
    else:
        make = message_factory.MessageFactory(pool).GetPrototype
    return {n: make(pool.FindMessageTypeByName("fraudex.v1." + n)) for n in names}


def main():
    parser = argparse.ArgumentParser()
    for name in ("target", "descriptors", "input", "mode", "out"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args()

    m = load_messages(args.descriptors)
    batch = m["ComputeFeaturesRequest"]()
    with open(args.input, "rb") as f:
        batch.ParseFromString(f.read())
    metadata = [("authorization", "Bearer " + args.api_key)] if args.api_key else []

    channel = grpc.insecure_channel(args.target)
    score = channel.unary_unary("/fraudex.v1.ScoringService/Score",
                                request_serializer=lambda r: r.SerializeToString(),
                                response_deserializer=m["ScoreResponse"].FromString)
    stream = channel.stream_stream("/fraudex.v1.ScoringService/ScoreStream",
                                   request_serializer=lambda r: r.SerializeToString(),
                                   response_deserializer=m["ScoreStreamResponse"].FromString)
    results = []
    if args.mode == "unary":
        futures = [score.future(m["ScoreRequest"](transaction=tx), timeout=TIMEOUT, metadata=metadata) for tx in batch.transactions]
        for tx, future in zip(batch.transactions, futures):
            r = future.result()
            results.append({"id": r.transaction_id, "decision": r.decision, "score": r.score, "replayed": r.replayed, "error": 0})
    elif args.mode == "stream":
        requests = (m["ScoreStreamRequest"](transaction=tx) for tx in batch.transactions)
        for r in stream(requests, timeout=TIMEOUT * 4, metadata=metadata):
            if r.WhichOneof("outcome") == "result":
                results.append({"id": r.transaction_id, "decision": r.result.decision, "score": r.result.score,
                                "replayed": r.result.replayed, "error": 0})
            else:
                results.append({"id": r.transaction_id, "decision": 0, "score": 0, "replayed": False, "error": r.error.code})
    elif args.mode == "errors":
        results = check_errors(score, m, batch.transactions[0], metadata)
    else:
        sys.exit("unknown mode " + args.mode)

    with open(args.out, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    print(f"python3-grpcio {grpc.__version__}: {len(results)} answers ({args.mode})")


def check_errors(score, m, tx, metadata):
    """Each case: (name, request, metadata, expected status). Records the status each got."""
    bad = m["ScoreRequest"]()
    bad.transaction.CopyFrom(tx)
    bad.transaction.amount_minor = 0
    bad.transaction.currency = "XXZ"
    cases = [
        ("invalid", bad, metadata, grpc.StatusCode.INVALID_ARGUMENT),
        ("no-key", m["ScoreRequest"](transaction=tx), [], grpc.StatusCode.UNAUTHENTICATED),
        ("bad-key", m["ScoreRequest"](transaction=tx), [("authorization", "Bearer gateway.wrong")], grpc.StatusCode.UNAUTHENTICATED),
    ]
    results = []
    for name, request, md, expected in cases:
        try:
            score(request, timeout=TIMEOUT, metadata=md)
            got = grpc.StatusCode.OK
            details = b""
        except grpc.RpcError as e:
            got = e.code()
            details = dict(e.trailing_metadata() or ()).get("grpc-status-details-bin", b"")
        results.append({"id": name, "decision": 0, "score": 0, "replayed": False, "error": got.value[0],
                        "expected": expected.value[0], "details_bytes": len(details)})
    return results


if __name__ == "__main__":
    main()
