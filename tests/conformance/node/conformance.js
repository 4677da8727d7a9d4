#!/usr/bin/env node
// FraudEx's gRPC conformance cases, run by @grpc/grpc-js (with @grpc/proto-loader) against a server of
// fraudex.testing.v1.ConformanceService (tests/protos/fraudex/testing/v1/conformance.proto).
//
// Usage: node conformance.js --target 127.0.0.1:PORT [--only CASE[,CASE]]
// Prints one line per case and "N passed, N failed"; exits 1 on any failure.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const REPO = path.resolve(__dirname, '..', '..', '..');
const SERVICE = 'fraudex.testing.v1.ConformanceService';
const MIB = 1024 * 1024;
const CALL_TIMEOUT_MS = 30000; // every call has a deadline so a hang fails the case instead of the run
const CASE_TIMEOUT_MS = 90000;

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.target) throw new Error('--target host:port is required');
  return args;
}

// google/rpc/*.proto come from the Google.Api.CommonProtos NuGet package the build restores.
function commonProtosDir() {
  const root = process.env.NUGET_PACKAGES || path.join(os.homedir(), '.nuget', 'packages');
  const base = path.join(root, 'google.api.commonprotos');
  const versions = fs.existsSync(base) ? fs.readdirSync(base).sort() : [];
  if (versions.length === 0) throw new Error(`google/rpc protos not found under ${base}: build the solution first`);
  return path.join(base, versions[versions.length - 1], 'content', 'protos');
}

const includeDirs = [path.join(REPO, 'tests', 'protos'), path.join(REPO, 'protos'), commonProtosDir()];
const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs };
const definition = protoLoader.loadSync([
  'fraudex/testing/v1/conformance.proto',
  'grpc/health/v1/health.proto',
  'grpc/reflection/v1/reflection.proto',
  'grpc/reflection/v1alpha/reflection.proto',
], loaderOptions);
const packages = grpc.loadPackageDefinition(definition);

// protobufjs decodes what arrives as raw bytes: grpc-status-details-bin and reflection's file descriptors.
const rpcRoot = new protobuf.Root();
rpcRoot.resolvePath = (origin, target) => {
  for (const dir of includeDirs) {
    const candidate = path.join(dir, target);
    if (fs.existsSync(candidate)) return candidate;
  }
  return target; // google/protobuf/*.proto: protobufjs carries the well-known types itself
};
rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');
const BadRequest = rpcRoot.lookupType('google.rpc.BadRequest');

class CaseFailure extends Error {}

function expect(condition, message) {
  if (!condition) throw new CaseFailure(message);
}

function deadline(ms = CALL_TIMEOUT_MS) {
  return { deadline: Date.now() + ms };
}

function unary(client, method, request, metadata = new grpc.Metadata(), options = deadline()) {
  return new Promise((resolve, reject) => {
    let headers = null;
    const call = client[method](request, metadata, options, (error, reply) => {
      if (error) reject(error);
      else resolve({ reply, headers, call });
    });
    call.on('metadata', (m) => { headers = m; });
    call.on('status', (s) => { call.trailers = s.metadata; });
  });
}

async function expectError(promise) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CaseFailure) throw error;
    expect(typeof error.code === 'number', `not a gRPC error: ${error}`);
    return error;
  }
  throw new CaseFailure('the call succeeded; an error status was expected');
}

function collect(stream) {
  return new Promise((resolve, reject) => {
    const messages = [];
    stream.on('data', (m) => messages.push(m));
    stream.on('error', (e) => { e.received = messages; reject(e); });
    stream.on('end', () => resolve(messages));
  });
}

function status(code, message, withDetails = false) {
  return { code, message, with_details: withDetails };
}

function makeCases(target) {
  const options = { 'grpc.max_receive_message_length': 16 * MIB, 'grpc.max_send_message_length': 16 * MIB };
  const credentials = grpc.credentials.createInsecure();
  const client = new packages.fraudex.testing.v1.ConformanceService(target, credentials, options);
  const health = new packages.grpc.health.v1.Health(target, credentials);
  const reflection = {
    v1: new packages.grpc.reflection.v1.ServerReflection(target, credentials),
    v1alpha: new packages.grpc.reflection.v1alpha.ServerReflection(target, credentials),
  };
  const echoSerialize = definition[SERVICE].Unary.requestSerialize;
  const echoDeserialize = definition[SERVICE].Unary.responseDeserialize;

  const cases = {
    async unary() {
      const { reply } = await unary(client, 'Unary', { payload: Buffer.from('fraudex') });
      expect(reply.payload.toString() === 'fraudex', `echoed payload ${reply.payload}`);
      expect(reply.sequence === 0, `sequence ${reply.sequence}`);
    },

    async unary_empty_message() {
      const { reply } = await unary(client, 'Unary', {});
      expect(reply.payload.length === 0 && reply.sequence === 0, 'an empty request echoes an empty message');
    },

    async unary_response_size() {
      const { reply } = await unary(client, 'Unary', { payload: Buffer.from('x'), response_size: 1000 });
      expect(reply.payload.length === 1000, `payload of ${reply.payload.length} bytes`);
    },

    async server_streaming_10000() {
      const messages = await collect(client.ServerStream({ count: 10000, payload_size: 64 }, deadline(60000)));
      expect(messages.length === 10000, `received ${messages.length} messages`);
      messages.forEach((m, i) => {
        if (m.sequence !== i || m.payload.length !== 64) throw new CaseFailure(`message ${i}: sequence ${m.sequence}`);
      });
    },

    async server_streaming_ends_with_status() {
      const error = await expectError(collect(client.ServerStream(
        { count: 3, payload_size: 1, fail_with: status(grpc.status.ABORTED, 'after 3') }, deadline())));
      expect(error.code === grpc.status.ABORTED, `status ${error.code}`);
      expect(error.details === 'after 3', `message ${error.details}`);
      expect(error.received.length === 3, `received ${error.received.length} messages before the status`);
    },

    async client_streaming() {
      const reply = await new Promise((resolve, reject) => {
        const call = client.ClientStream(deadline(), (error, r) => (error ? reject(error) : resolve(r)));
        for (let i = 0; i < 500; i++) call.write({ payload: Buffer.alloc(1024) });
        call.end();
      });
      expect(reply.count === 500, `count ${reply.count}`);
      expect(reply.total_bytes === String(500 * 1024), `total_bytes ${reply.total_bytes}`);
    },

    async client_streaming_failure() {
      const error = await expectError(new Promise((resolve, reject) => {
        const call = client.ClientStream(deadline(), (e, r) => (e ? reject(e) : resolve(r)));
        call.write({ payload: Buffer.from('a') });
        call.write({ fail_with: status(grpc.status.INVALID_ARGUMENT, 'bad message 2') });
        call.end();
      }));
      expect(error.code === grpc.status.INVALID_ARGUMENT, `status ${error.code}`);
      expect(error.details === 'bad message 2', `message ${error.details}`);
    },

    async bidi_ping_pong() {
      const rounds = 100;
      const received = await new Promise((resolve, reject) => {
        const call = client.Bidi(deadline());
        let count = 0;
        call.on('data', (reply) => {
          // The next ping goes out only after its pong arrived: each message is a full round trip.
          if (reply.payload.toString() !== `ping-${count}` || reply.sequence !== count) {
            reject(new CaseFailure(`pong ${reply.payload} (sequence ${reply.sequence}) for ping ${count}`));
            call.cancel();
            return;
          }
          count += 1;
          if (count < rounds) call.write({ payload: Buffer.from(`ping-${count}`) });
          else call.end();
        });
        call.on('error', reject);
        call.on('end', () => resolve(count));
        call.write({ payload: Buffer.from('ping-0') });
      });
      expect(received === rounds, `${received} round trips`);
    },

    async large_message_3mib() {
      const payload = crypto.randomBytes(3 * MIB);
      const { reply } = await unary(client, 'Unary', { payload });
      expect(Buffer.compare(reply.payload, payload) === 0, `3 MiB echoed intact (${reply.payload.length} bytes back)`);
    },

    async oversized_message_resource_exhausted() {
      const error = await expectError(unary(client, 'Unary', { payload: Buffer.alloc(5 * MIB) }));
      expect(error.code === grpc.status.RESOURCE_EXHAUSTED, `status ${error.code} (${error.details})`);
      await cases.unary(); // the connection stays usable after the refusal
    },

    async oversized_response_resource_exhausted() {
      const error = await expectError(unary(client, 'Unary', { response_size: 5 * MIB }));
      expect(error.code === grpc.status.RESOURCE_EXHAUSTED, `status ${error.code} (${error.details})`);
    },

    async deadline_exceeded() {
      const started = Date.now();
      const error = await expectError(unary(client, 'Unary', { delay_ms: 10000 }, new grpc.Metadata(), deadline(300)));
      expect(error.code === grpc.status.DEADLINE_EXCEEDED, `status ${error.code}`);
      expect(Date.now() - started < 5000, `the call ended after ${Date.now() - started} ms, not at its deadline`);
    },

    async client_cancel_mid_stream() {
      const error = await expectError(new Promise((resolve, reject) => {
        const call = client.ServerStream({ count: 1000000, payload_size: 16, interval_ms: 1 }, deadline());
        let count = 0;
        call.on('data', () => { count += 1; if (count === 5) call.cancel(); });
        call.on('error', (e) => { e.count = count; reject(e); });
        call.on('end', () => resolve(count));
      }));
      expect(error.code === grpc.status.CANCELLED, `status ${error.code}`);
      expect(error.count >= 5, `received ${error.count} before cancelling`);
      await cases.unary(); // the server saw the RST_STREAM and keeps serving
    },

    async status_non_ascii_message() {
      const text = 'Zahlung abgelehnt: ungültige Währung € · 支付被拒绝 ✓ 100%';
      const error = await expectError(unary(client, 'Unary', { fail_with: status(grpc.status.FAILED_PRECONDITION, text) }));
      expect(error.code === grpc.status.FAILED_PRECONDITION, `status ${error.code}`);
      expect(error.details === text, `message ${JSON.stringify(error.details)}`);
    },

    async status_details_bad_request() {
      const error = await expectError(unary(client, 'Unary',
        { fail_with: status(grpc.status.INVALID_ARGUMENT, 'payload must not be empty', true) }));
      expect(error.code === grpc.status.INVALID_ARGUMENT, `status ${error.code}`);
      const raw = error.metadata.get('grpc-status-details-bin');
      expect(raw.length === 1, 'no grpc-status-details-bin trailer');
      const rich = RpcStatus.decode(raw[0]);
      expect(rich.code === 3 && rich.message === 'payload must not be empty', `google.rpc.Status ${JSON.stringify(rich)}`);
      const bad = rich.details.filter((d) => d.type_url.endsWith('/google.rpc.BadRequest'));
      expect(bad.length === 1, `details ${rich.details.map((d) => d.type_url)}`);
      const violations = BadRequest.decode(bad[0].value).fieldViolations;
      expect(violations.length === 1 && violations[0].field === 'payload'
        && violations[0].description === 'payload must not be empty', `violations ${JSON.stringify(violations)}`);
    },

    async metadata_echo() {
      const binary = Buffer.concat([Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.from('ü')]);
      const metadata = new grpc.Metadata();
      metadata.add('x-echo-text', 'fraud ex 1');
      metadata.add('x-echo-data-bin', binary);
      metadata.add('x-other', 'not echoed');
      const { reply, headers, call } = await unary(client, 'Unary', { payload: Buffer.from('m'), echo_metadata: true }, metadata);
      await new Promise((resolve) => setImmediate(resolve));
      expect(reply.payload.toString() === 'm', `payload ${reply.payload}`);
      expect(headers.get('x-echo-text')[0] === 'fraud ex 1', `header x-echo-text ${headers.get('x-echo-text')}`);
      const headerBin = headers.get('x-echo-data-bin')[0];
      expect(Buffer.isBuffer(headerBin) && headerBin.equals(binary), `header x-echo-data-bin ${headerBin && headerBin.toString('hex')}`);
      expect(headers.get('x-other').length === 0, 'x-other was echoed');
      const trailers = call.trailers;
      expect(trailers && trailers.get('x-echo-text-trailer')[0] === 'fraud ex 1', 'trailer x-echo-text-trailer');
      const trailerBin = trailers.get('x-echo-data-trailer-bin')[0];
      expect(Buffer.isBuffer(trailerBin) && trailerBin.equals(binary), `trailer x-echo-data-trailer-bin ${trailerBin && trailerBin.toString('hex')}`);
    },

    async metadata_echo_on_error() {
      const metadata = new grpc.Metadata();
      metadata.add('x-echo-k', 'v');
      const error = await expectError(unary(client, 'Unary',
        { echo_metadata: true, fail_with: status(grpc.status.NOT_FOUND, 'gone') }, metadata));
      expect(error.code === grpc.status.NOT_FOUND, `status ${error.code}`);
      expect(error.metadata.get('x-echo-k-trailer')[0] === 'v', `trailer ${error.metadata.get('x-echo-k-trailer')}`);
    },

    async unknown_method_unimplemented() {
      for (const method of [`/${SERVICE}/NoSuchMethod`, '/fraudex.testing.v1.NoSuchService/Unary']) {
        const error = await expectError(new Promise((resolve, reject) => {
          client.makeUnaryRequest(method, echoSerialize, echoDeserialize, {}, new grpc.Metadata(), deadline(),
            (e, r) => (e ? reject(e) : resolve(r)));
        }));
        expect(error.code === grpc.status.UNIMPLEMENTED, `${method}: status ${error.code}`);
      }
    },

    async concurrent_unary_calls() {
      const calls = [];
      for (let i = 0; i < 200; i++) calls.push(unary(client, 'Unary', { payload: Buffer.from(String(i)), delay_ms: 20 }));
      const replies = await Promise.all(calls);
      replies.forEach(({ reply }, i) => expect(reply.payload.toString() === String(i), `call ${i} got another call's answer`));
    },

    async health_check_serving() {
      const { reply } = await unary(health, 'Check', { service: '' });
      expect(reply.status === 'SERVING', `overall status ${reply.status}`);
      const error = await expectError(unary(health, 'Check', { service: 'no.such.Service' }));
      expect(error.code === grpc.status.NOT_FOUND, `unknown service: status ${error.code}`);
    },

    async reflection_v1_lists_services() {
      await listServices(reflection.v1);
    },

    async reflection_v1alpha_lists_services() {
      await listServices(reflection.v1alpha);
    },
  };

  async function listServices(stub) {
    const call = stub.ServerReflectionInfo(deadline());
    const replies = collect(call);
    call.write({ list_services: '' });
    call.write({ file_containing_symbol: SERVICE });
    call.end();
    const [list, files] = await replies;
    const names = list.list_services_response.service.map((s) => s.name);
    for (const expected of [SERVICE, 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection']) {
      expect(names.includes(expected), `${expected} missing from ${names}`);
    }
    const protos = files.file_descriptor_response.file_descriptor_proto.map((b) => descriptor.FileDescriptorProto.decode(b));
    const conformance = protos.filter((f) => f.name === 'fraudex/testing/v1/conformance.proto');
    expect(conformance.length === 1, `file_containing_symbol returned ${protos.map((f) => f.name)}`);
    const methods = conformance[0].service[0].method.map((m) => m.name).sort();
    expect(methods.join() === 'Bidi,ClientStream,ServerStream,Unary', `methods ${methods}`);
  }

  const close = () => {
    client.close();
    health.close();
    reflection.v1.close();
    reflection.v1alpha.close();
  };
  return { cases, close };
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CaseFailure(`${name} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { cases, close } = makeCases(args.target);
  let names = Object.keys(cases);
  if (args.only) {
    const wanted = new Set(args.only.split(','));
    names = names.filter((n) => wanted.has(n));
  }
  const version = require('@grpc/grpc-js/package.json').version;
  const loaderVersion = require('@grpc/proto-loader/package.json').version;
  console.log(`@grpc/grpc-js ${version} with @grpc/proto-loader ${loaderVersion} (node ${process.version}) against ${args.target}`);
  let passed = 0;
  let failed = 0;
  for (const name of names) {
    const started = Date.now();
    try {
      await withTimeout(cases[name](), CASE_TIMEOUT_MS, name);
      passed += 1;
      console.log(`PASS ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      const reason = error instanceof CaseFailure ? error.message
        : typeof error.code === 'number' ? `unexpected status ${error.code}: ${error.details}`
          : String(error && error.stack ? error.stack.split('\n').slice(0, 3).join(' | ') : error);
      console.log(`FAIL ${name}: ${reason}`);
    }
  }
  close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

main().catch((error) => {
  console.log(`FAIL setup: ${error && error.stack ? error.stack : error}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
