#!/usr/bin/python3
"""Scores one transaction with FraudEx from Python (grpcio).

Message classes are built at run time from a FileDescriptorSet of protos/, so no generated code is needed:
    protoc -I protos --include_imports --descriptor_set_out=fraudex.pb protos/fraudex/v1/scoring.proto
(any protoc works; `python -m grpc_tools.protoc ... --python_out=. --grpc_python_out=.` and generated stubs work
just as well). Run:  /usr/bin/python3 examples/python/score.py --target 127.0.0.1:5100 --descriptors fraudex.pb
"""
import argparse
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def message_classes(path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        files.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    make = getattr(message_factory, "GetMessageClass", None) or message_factory.MessageFactory(pool).GetPrototype
    return lambda name: make(pool.FindMessageTypeByName("fraudex.v1." + name))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="127.0.0.1:5100")
    parser.add_argument("--descriptors", default="fraudex.pb")
    parser.add_argument("--api-key", default="", help="scorer API key; not needed in loopback development mode")
    args = parser.parse_args()

    msg = message_classes(args.descriptors)
    ScoreRequest, ScoreResponse = msg("ScoreRequest"), msg("ScoreResponse")
    request = ScoreRequest()
    tx = request.transaction
    tx.transaction_id = f"py-{time.time_ns()}"
    tx.account_id = "acct-7f3a9c"
    tx.merchant_id = "merch-0042"
    tx.merchant_category_code = "5732"          # electronics stores
    tx.amount_minor = 129_900                    # 1,299.00 EUR
    tx.currency = "EUR"
    tx.timestamp.GetCurrentTime()
    tx.channel = 2                               # CHANNEL_ECOMMERCE
    tx.device_id = "dev-1b2c"
    tx.ip_address = "203.0.113.7"
    tx.location.latitude, tx.location.longitude = 48.8566, 2.3522
    tx.country, tx.merchant_country = "FR", "FR"

    metadata = [("authorization", "Bearer " + args.api_key)] if args.api_key else []
    with grpc.insecure_channel(args.target) as channel:
        score = channel.unary_unary("/fraudex.v1.ScoringService/Score",
                                    request_serializer=lambda m: m.SerializeToString(),
                                    response_deserializer=ScoreResponse.FromString)
        try:
            response = score(request, timeout=2.0, metadata=metadata)
        except grpc.RpcError as e:
            raise SystemExit(f"{e.code().name}: {e.details()}")
    decision = ScoreResponse.DESCRIPTOR.fields_by_name["decision"].enum_type.values_by_number[response.decision].name
    print(f"{response.transaction_id}: {decision} score={response.score:.4f} model={response.model_version}"
          f" degraded={response.degraded}")
    for reason in response.reasons:
        print(f"  {reason.code:<28} {reason.contribution:+.3f}  {reason.description}")


if __name__ == "__main__":
    main()
