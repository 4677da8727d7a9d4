"""One Score call through python3-grpcio (C-core), an implementation independent of FraudEx.Grpc.

Usage: /usr/bin/python3 score.py HOST:PORT REQUEST_HEX TRACEPARENT [AUTHORIZATION]
The request is a serialized fraudex.v1.ScoreRequest; the serialized ScoreResponse is printed as hex. The W3C
traceparent is sent as metadata, so the caller knows which trace the call starts.
"""
import sys

import grpc


def main() -> int:
    target, request_hex, traceparent = sys.argv[1:4]
    metadata = [("traceparent", traceparent)]
    if len(sys.argv) > 4 and sys.argv[4]:
        metadata.append(("authorization", sys.argv[4]))
    with grpc.insecure_channel(target) as channel:
        score = channel.unary_unary(
            "/fraudex.v1.ScoringService/Score",
            request_serializer=lambda b: b,
            response_deserializer=lambda b: b,
        )
        response = score(bytes.fromhex(request_hex), timeout=15, metadata=metadata)
    print(response.hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
