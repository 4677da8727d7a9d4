#!/usr/bin/env node
// FraudEx's gRPC contract, checked with @grpc/grpc-js (and @grpc/proto-loader over protos/) against the running
// FraudEx services: fraudex.v1.ScoringService, FeatureService and AlertService, grpc.health.v1 and server
// reflection (v1, v1alpha). The cases are those of tests/conformance/python/conformance.py, by the same names.
//
// Usage: node conformance.js --scoring 127.0.0.1:P1 --features 127.0.0.1:P2 --alerts 127.0.0.1:P3
//            --blocked-account ACCOUNT [--only CASE[,CASE]]
// API keys come from the environment: FRAUDEX_KEY_SCORER, FRAUDEX_KEY_ANALYST, FRAUDEX_KEY_ADMIN,
// FRAUDEX_KEY_SCORING_SERVICE, FRAUDEX_KEY_ALERTS_SERVICE. ACCOUNT is an account the scorer's rules file blocks.
// Prints one line per case, "PASS|FAIL|GAP name | expected: ... | got: ... | N ms", then
// "N passed, N failed, N known gaps"; exits 1 on any failure (GAP: see KNOWN_GAPS).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const REPO = path.resolve(__dirname, '..', '..', '..');
const MIB = 1024 * 1024;
const CALL_TIMEOUT_MS = 20000; // every call has a deadline so a hang fails the case instead of the run
const CASE_TIMEOUT_MS = 60000;
const RUN = `js${Date.now() % 1e10}`; // makes this run's transaction and account ids unique
const SCORING = 'fraudex.v1.ScoringService';
const FEATURES = 'fraudex.v1.FeatureService';
const ALERTS = 'fraudex.v1.AlertService';
const HEALTH = 'grpc.health.v1.Health';
const ROLES = ['scorer', 'analyst', 'admin', 'scoring-service', 'alerts-service'];
const STATUS = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

// Statuses the services give today that differ from the documented contract, by case name: [status name, why].
// A case that gets exactly this status reports GAP instead of FAIL (none at present; see conformance.py).
const KNOWN_GAPS = {};

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  for (const required of ['scoring', 'features', 'alerts', 'blocked-account']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
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

const includeDirs = [path.join(REPO, 'protos'), commonProtosDir()];
const definition = protoLoader.loadSync([
  'fraudex/v1/scoring.proto', 'fraudex/v1/features.proto', 'fraudex/v1/alerts.proto',
  'grpc/health/v1/health.proto', 'grpc/reflection/v1/reflection.proto', 'grpc/reflection/v1alpha/reflection.proto',
], { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs });
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

function expect(condition, got) {
  if (!condition) throw new CaseFailure(got);
}

function deadline(ms = CALL_TIMEOUT_MS) {
  return { deadline: Date.now() + ms };
}

function statusName(code) {
  return STATUS[code] || String(code);
}

function makeSuite(args) {
  const keys = Object.fromEntries(ROLES.map((r) => [r, process.env[`FRAUDEX_KEY_${r.toUpperCase().replace('-', '_')}`] || '']));
  const missing = ROLES.filter((r) => !keys[r]);
  if (missing.length) throw new Error(`missing API keys in the environment: ${missing.map((r) => `FRAUDEX_KEY_${r.toUpperCase().replace('-', '_')}`)}`);
  const options = { 'grpc.max_receive_message_length': 16 * MIB, 'grpc.max_send_message_length': 16 * MIB };
  const insecure = grpc.credentials.createInsecure();
  const v1 = packages.fraudex.v1;
  const targets = { [SCORING]: args.scoring, [FEATURES]: args.features, [ALERTS]: args.alerts };
  const scoring = new v1.ScoringService(args.scoring, insecure, options);
  const features = new v1.FeatureService(args.features, insecure, options);
  const alerts = new v1.AlertService(args.alerts, insecure, options);
  const clients = [scoring, features, alerts];
  const health = {};
  const reflection = {};
  for (const [service, target] of Object.entries(targets)) {
    health[service] = new packages.grpc.health.v1.Health(target, insecure);
    reflection[service] = {
      v1: new packages.grpc.reflection.v1.ServerReflection(target, insecure),
      v1alpha: new packages.grpc.reflection.v1alpha.ServerReflection(target, insecure),
    };
    clients.push(health[service], reflection[service].v1, reflection[service].v1alpha);
  }
  let counter = 0;
  const newId = (kind) => `${RUN}-${kind}-${++counter}`;

  function auth(role, extra = []) {
    const metadata = new grpc.Metadata();
    if (role) metadata.set('authorization', `Bearer ${keys[role]}`);
    for (const [k, v] of extra) metadata.set(k, v);
    return metadata;
  }

  function transaction(overrides = {}) {
    return {
      transaction_id: newId('tx'), account_id: `${RUN}-acct`, merchant_id: `${RUN}-merch`,
      merchant_category_code: '5732', amount_minor: 129900, currency: 'EUR', channel: 'CHANNEL_ECOMMERCE',
      device_id: `${RUN}-dev`, ip_address: '203.0.113.7', country: 'FR', merchant_country: 'FR',
      timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, ...overrides,
    };
  }

  // A unary call: resolves { reply, headers, trailers }, rejects with the gRPC error (its trailers in .metadata).
  function unary(client, method, request, metadata, opts = deadline()) {
    return new Promise((resolve, reject) => {
      let headers = null;
      let trailers = null;
      const call = client[method](request, metadata, opts, (error, reply) => {
        if (error) reject(error);
        else setImmediate(() => resolve({ reply, headers, trailers }));
      });
      call.on('metadata', (m) => { headers = m; });
      call.on('status', (s) => { trailers = s.metadata; });
    });
  }

  const score = (tx, role = 'scorer', opts = deadline()) => unary(scoring, 'Score', { transaction: tx }, auth(role), opts)
    .then((r) => r.reply);

  async function expectStatus(promise, code) {
    try {
      await promise;
    } catch (error) {
      if (error instanceof CaseFailure) throw error;
      expect(typeof error.code === 'number', `not a gRPC error: ${error}`);
      expect(error.code === code, `${statusName(error.code)} (${error.details}), not ${statusName(code)}`);
      return error;
    }
    throw new CaseFailure(`OK, not ${statusName(code)}`);
  }

  function badRequest(error) {
    const raw = error.metadata.get('grpc-status-details-bin');
    expect(raw.length === 1, `${statusName(error.code)} without grpc-status-details-bin`);
    const status = RpcStatus.decode(raw[0]);
    const bad = status.details.filter((d) => d.type_url.endsWith('/google.rpc.BadRequest'));
    expect(bad.length === 1, `details ${status.details.map((d) => d.type_url)}`);
    const violations = BadRequest.decode(bad[0].value).fieldViolations.map((v) => [v.field, v.description]);
    return { status, violations };
  }

  // Collects a readable stream's messages; rejects with the error (its .received = the messages before it).
  function collect(stream) {
    return new Promise((resolve, reject) => {
      const messages = [];
      let status = null;
      stream.on('data', (m) => messages.push(m));
      stream.on('status', (s) => { status = s; });
      stream.on('error', (e) => { e.received = messages; reject(e); });
      stream.on('end', () => setImmediate(() => resolve({ messages, status })));
    });
  }

  const cases = [];
  const add = (name, expected, fn) => cases.push({ name, expected, fn });

  // ---- ScoringService.Score -----------------------------------------------------------------------------------

  add('score_valid', 'OK: the id echoed, APPROVE/REVIEW/DECLINE, 0 <= score <= 1, reasons with codes, model version', async () => {
    const tx = transaction();
    const r = await score(tx);
    const got = `OK ${r.decision} score=${r.score.toFixed(4)} reasons=[${r.reasons.map((x) => x.code)}] model=${r.model_version}`;
    expect(r.transaction_id === tx.transaction_id, `${got} id=${r.transaction_id}`);
    expect(['DECISION_APPROVE', 'DECISION_REVIEW', 'DECISION_DECLINE'].includes(r.decision), got);
    expect(r.score >= 0 && r.score <= 1 && r.model_version !== '', got);
    expect(r.reasons.every((x) => x.code && x.description) && !r.replayed, got);
    return got;
  });

  add('score_replay_idempotent', 'the second Score of a transaction_id: OK, replayed, the first decision and score', async () => {
    const tx = transaction();
    const first = await score(tx);
    const second = await score(tx);
    const got = `first ${first.decision} ${first.score.toFixed(4)} replayed=${first.replayed}; second ${second.decision} ${second.score.toFixed(4)} replayed=${second.replayed}`;
    expect(!first.replayed && second.replayed && first.decision === second.decision && first.score === second.score, got);
    return got;
  });

  add('score_rule_decline', 'a blocked account: OK DECISION_DECLINE with RULE_BLOCKED_ACCOUNT in rules_fired and reasons', async () => {
    const r = await score(transaction({ account_id: args['blocked-account'] }));
    const got = `OK ${r.decision} rules_fired=[${r.rules_fired}] reasons=[${r.reasons.map((x) => x.code)}]`;
    expect(r.decision === 'DECISION_DECLINE' && r.rules_fired.includes('RULE_BLOCKED_ACCOUNT'), got);
    expect(r.reasons.some((x) => x.code === 'RULE_BLOCKED_ACCOUNT'), got);
    return got;
  });

  add('score_invalid_fields', 'INVALID_ARGUMENT; google.rpc.Status (code 3) with a BadRequest naming transaction.amount_minor and transaction.currency', async () => {
    const error = await expectStatus(score(transaction({ amount_minor: 0, currency: 'eur' })), grpc.status.INVALID_ARGUMENT);
    const { status, violations } = badRequest(error);
    const fields = [...new Set(violations.map(([f]) => f))].sort();
    const got = `INVALID_ARGUMENT status.code=${status.code} fields=[${fields}]`;
    expect(status.code === 3 && fields.join() === 'transaction.amount_minor,transaction.currency', got);
    expect(violations.every(([, d]) => d), got);
    return got;
  });

  add('score_missing_transaction', 'an empty ScoreRequest: INVALID_ARGUMENT with one violation on `transaction`', async () => {
    const error = await expectStatus(unary(scoring, 'Score', {}, auth('scorer')), grpc.status.INVALID_ARGUMENT);
    const { violations } = badRequest(error);
    const got = `INVALID_ARGUMENT violations=${JSON.stringify(violations)}`;
    expect(violations.length === 1 && violations[0][0] === 'transaction', got);
    return got;
  });

  // ---- keys, roles and metadata -------------------------------------------------------------------------------

  add('auth_no_key', 'Score without authorization metadata: UNAUTHENTICATED, before validation looks at the request', async () => {
    const error = await expectStatus(unary(scoring, 'Score', {}, auth(null)), grpc.status.UNAUTHENTICATED);
    return `UNAUTHENTICATED (${error.details})`;
  });

  add('auth_forged_key', 'a forged key (known id, wrong secret): UNAUTHENTICATED', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${keys.scorer.split('.')[0]}.${'A'.repeat(43)}`);
    const error = await expectStatus(unary(scoring, 'Score', { transaction: transaction() }, metadata), grpc.status.UNAUTHENTICATED);
    return `UNAUTHENTICATED (${error.details})`;
  });

  add('auth_key_in_other_header', 'the key in x-api-key instead of authorization: UNAUTHENTICATED (only authorization is read)', async () => {
    const error = await expectStatus(unary(scoring, 'Score', { transaction: transaction() }, auth(null, [['x-api-key', keys.scorer]])),
      grpc.status.UNAUTHENTICATED);
    return `UNAUTHENTICATED (${error.details})`;
  });

  add('auth_wrong_role', 'Score with the analyst key: PERMISSION_DENIED; GetModel with the scorer key: PERMISSION_DENIED', async () => {
    await expectStatus(score(transaction(), 'analyst'), grpc.status.PERMISSION_DENIED);
    await expectStatus(unary(scoring, 'GetModel', {}, auth('scorer')), grpc.status.PERMISSION_DENIED);
    return 'PERMISSION_DENIED, PERMISSION_DENIED';
  });

  add('get_model_roles', 'GetModel with the analyst key and with the admin key: OK, model version, features, thresholds', async () => {
    const got = [];
    for (const role of ['analyst', 'admin']) {
      const { reply: r } = await unary(scoring, 'GetModel', {}, auth(role));
      const line = `${role}: ${r.model_version} ${r.features.length} features review=${r.thresholds.review.toFixed(4)} decline=${r.thresholds.decline.toFixed(4)}`;
      expect(r.model_version && r.features.length > 0, line);
      expect(r.thresholds.review > 0 && r.thresholds.review <= r.thresholds.decline && r.thresholds.decline <= 1, line);
      got.push(line);
    }
    return got.join('; ');
  });

  add('metadata_round_trip', 'extra ascii and -bin request metadata are ignored (OK); response headers and trailers of an OK call carry no error details', async () => {
    const extra = [['x-request-id', `conf-${RUN}`], ['x-trace-context-bin', Buffer.from([0, 1, 2, 0xfe, 0xff])]];
    const { reply, headers, trailers } = await unary(scoring, 'Score', { transaction: transaction() }, auth('scorer', extra));
    const h = headers ? headers.getMap() : {};
    const t = trailers ? trailers.getMap() : {};
    const got = `OK ${reply.decision} headers=[${Object.keys(h).sort()}] trailers=[${Object.keys(t).sort()}]`;
    expect(headers !== null && trailers !== null, got);
    expect(!('grpc-status-details-bin' in t), got);
    expect(![...Object.values(h), ...Object.values(t)].some((v) => String(v).includes(keys.scorer)), got);
    return got;
  });

  // ---- deadlines and sizes ------------------------------------------------------------------------------------

  add('deadline_exceeded', 'a ScoreStream left open past a 500 ms deadline: its answer, then DEADLINE_EXCEEDED near 500 ms; the scorer then answers a Score', async () => {
    const started = Date.now();
    const call = scoring.ScoreStream(auth('scorer'), deadline(500));
    const result = collect(call);
    call.write({ transaction: transaction() });
    const error = await expectStatus(result, grpc.status.DEADLINE_EXCEEDED);
    const elapsed = Date.now() - started;
    const got = `${statusName(error.code)} after ${elapsed} ms, ${error.received.length} answer(s)`;
    expect(error.received.length === 1 && elapsed >= 400 && elapsed < 5000, got);
    const after = await score(transaction());
    return `${got}; then Score OK ${after.decision}`;
  });

  add('large_message_under_limit', 'a 3 MiB request (under the 4 MiB limit): read and refused by validation, INVALID_ARGUMENT on transaction.attributes[blob]', async () => {
    const error = await expectStatus(score(transaction({ attributes: { blob: 'x'.repeat(3 * MIB) } })), grpc.status.INVALID_ARGUMENT);
    const { violations } = badRequest(error);
    const got = `INVALID_ARGUMENT fields=[${violations.map(([f]) => f)}]`;
    expect(violations.length === 1 && violations[0][0] === 'transaction.attributes[blob]', got);
    return got;
  });

  add('oversized_message_resource_exhausted', 'a 5 MiB request (over the 4 MiB limit): RESOURCE_EXHAUSTED; the same channel then scores', async () => {
    const error = await expectStatus(score(transaction({ attributes: { blob: 'x'.repeat(5 * MIB) } })), grpc.status.RESOURCE_EXHAUSTED);
    const after = await score(transaction());
    return `RESOURCE_EXHAUSTED (${error.details}); then Score OK ${after.decision}`;
  });

  const raw = (buffer) => buffer;
  function rawUnary(client, pathName, body, metadata) {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(pathName, raw, raw, body, metadata, deadline(), (e, r) => (e ? reject(e) : resolve(r)));
    });
  }

  add('malformed_body_invalid_argument', 'an unparsable protobuf body (a length past the end): INVALID_ARGUMENT "request message is not a valid fraudex.v1.ScoreRequest: ..."; the scorer then answers', async () => {
    const error = await expectStatus(rawUnary(scoring, `/${SCORING}/Score`, Buffer.from([0x0a, 0x7f, 0x0a, 0x01]), auth('scorer')),
      grpc.status.INVALID_ARGUMENT);
    const after = await score(transaction());
    const got = `INVALID_ARGUMENT (${error.details}); then Score OK ${after.decision}`;
    expect(error.details.startsWith('request message is not a valid fraudex.v1.ScoreRequest: '), got);
    return got;
  });

  add('unknown_method_unimplemented', 'unknown method of ScoringService and unknown service: UNIMPLEMENTED', async () => {
    const got = [];
    for (const pathName of [`/${SCORING}/NoSuchMethod`, '/fraudex.v1.NoSuchService/Score']) {
      const error = await expectStatus(rawUnary(scoring, pathName, Buffer.alloc(0), auth('admin')), grpc.status.UNIMPLEMENTED);
      got.push(`${pathName} ${statusName(error.code)}`);
    }
    return got.join(', ');
  });

  add('concurrent_unary_calls', '64 concurrent Score calls on one channel: each OK with its own transaction_id', async () => {
    const txs = Array.from({ length: 64 }, () => transaction());
    const replies = await Promise.all(txs.map((tx) => score(tx)));
    const wrong = replies.filter((r, i) => r.transaction_id !== txs[i].transaction_id).length;
    const got = `64 OK, ${wrong} with another call's id`;
    expect(wrong === 0, got);
    return got;
  });

  // ---- ScoringService.ScoreStream -----------------------------------------------------------------------------

  add('stream_order_and_errors', '40 messages (every 7th with a bad currency), then half-close: 40 answers in request order, each echoing its id; bad ones error.code 3 on transaction.currency, the rest a decision; status OK', async () => {
    const sent = Array.from({ length: 40 }, (_, i) => transaction(i % 7 === 3 ? { currency: 'eur' } : {}));
    const call = scoring.ScoreStream(auth('scorer'), deadline());
    const result = collect(call);
    for (const tx of sent) call.write({ transaction: tx });
    call.end();
    const { messages, status } = await result;
    const errors = messages.filter((m) => m.outcome === 'error').length;
    const got = `${messages.length} answers, ${errors} errors, status ${statusName(status.code)}`;
    expect(messages.length === 40 && status.code === grpc.status.OK, got);
    messages.forEach((m, i) => {
      expect(m.transaction_id === sent[i].transaction_id, `${got}; answer ${i} is for ${m.transaction_id}`);
      if (i % 7 === 3) {
        expect(m.outcome === 'error' && m.error.code === 3 && m.error.field_violations.map((v) => v.field).join() === 'transaction.currency',
          `${got}; answer ${i}: ${JSON.stringify(m)}`);
      } else {
        expect(m.outcome === 'result' && m.result.decision !== 'DECISION_UNSPECIFIED', `${got}; answer ${i}: ${m.outcome}`);
      }
    });
    return got;
  });

  add('stream_ping_pong', 'ScoreStream ping-pong: each answer arrives before the next message is sent (5 rounds), then half-close ends the stream OK', async () => {
    const call = scoring.ScoreStream(auth('scorer'), deadline());
    const ids = [];
    const received = [];
    const send = () => { const tx = transaction(); ids.push(tx.transaction_id); call.write({ transaction: tx }); };
    const done = new Promise((resolve, reject) => {
      let status = null;
      call.on('data', (m) => {
        received.push(m.transaction_id);
        if (m.transaction_id !== ids[received.length - 1]) {
          reject(new CaseFailure(`answer ${received.length} for ${m.transaction_id}, sent ${ids}`));
          call.cancel();
          return;
        }
        if (received.length < 5) send(); else call.end();
      });
      call.on('status', (s) => { status = s; });
      call.on('error', reject);
      call.on('end', () => setImmediate(() => resolve(status)));
    });
    send();
    const status = await done;
    const got = `${received.length} round trips, status ${statusName(status.code)}`;
    expect(received.length === 5 && status.code === grpc.status.OK, got);
    return got;
  });

  add('stream_half_close_empty', 'ScoreStream half-closed at once, without a message: no answer, status OK', async () => {
    const call = scoring.ScoreStream(auth('scorer'), deadline());
    const result = collect(call);
    call.end();
    const { messages, status } = await result;
    const got = `${messages.length} answers, status ${statusName(status.code)}`;
    expect(messages.length === 0 && status.code === grpc.status.OK, got);
    return got;
  });

  add('stream_auth', 'ScoreStream without a key: UNAUTHENTICATED; with the analyst key: PERMISSION_DENIED', async () => {
    const got = [];
    for (const [role, code] of [[null, grpc.status.UNAUTHENTICATED], ['analyst', grpc.status.PERMISSION_DENIED]]) {
      const call = scoring.ScoreStream(auth(role), deadline());
      const result = collect(call);
      call.write({ transaction: transaction() });
      call.end();
      const error = await expectStatus(result, code);
      got.push(statusName(error.code));
    }
    return got.join(', ');
  });

  // ---- health and reflection ----------------------------------------------------------------------------------

  add('health', 'grpc.health.v1 Check on each host: "" and its fraudex.v1.*Service SERVING; an unknown service NOT_FOUND', async () => {
    const got = [];
    for (const service of [SCORING, FEATURES, ALERTS]) {
      for (const name of ['', service]) {
        const { reply } = await unary(health[service], 'Check', { service: name }, new grpc.Metadata());
        expect(reply.status === 'SERVING', `${name || '""'} on ${service}: ${reply.status}`);
      }
      await expectStatus(unary(health[service], 'Check', { service: 'fraudex.v1.NoSuchService' }, new grpc.Metadata()), grpc.status.NOT_FOUND);
      got.push(`${service.split('.').pop()}: "" SERVING, ${service} SERVING, unknown NOT_FOUND`);
    }
    return got.join('; ');
  });

  const SERVICE_METHODS = {
    [SCORING]: 'GetModel,Score,ScoreStream',
    [FEATURES]: 'ComputeFeatures,GetEntityState,RecordLabels',
    [ALERTS]: 'GetAlert,ListAlerts,RecordDecisions,ReportLabel,UpdateAlert,WatchAlerts',
  };

  async function listServices(version) {
    const got = [];
    for (const service of [SCORING, FEATURES, ALERTS]) {
      const call = reflection[service][version].ServerReflectionInfo(deadline());
      const result = collect(call);
      call.write({ list_services: '' });
      call.write({ file_containing_symbol: service });
      call.end();
      const { messages } = await result;
      expect(messages.length === 2, `${messages.length} replies to 2 requests`);
      const names = messages[0].list_services_response.service.map((s) => s.name).sort();
      for (const expected of [service, HEALTH, 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']) {
        expect(names.includes(expected), `${service} lists ${names}`);
      }
      const files = messages[1].file_descriptor_response.file_descriptor_proto.map((b) => descriptor.FileDescriptorProto.decode(b));
      const short = service.split('.').pop();
      const found = files.filter((f) => f.package === 'fraudex.v1').flatMap((f) => f.service).filter((s) => s.name === short);
      expect(found.length === 1, `file_containing_symbol(${service}) gave ${files.map((f) => f.name)}`);
      const methods = found[0].method.map((m) => m.name).sort().join();
      expect(methods === SERVICE_METHODS[service], `${service} methods ${methods}`);
      got.push(`${short} lists [${names.filter((n) => n !== HEALTH && !n.includes('reflection'))}]; ${short} has ${methods}`);
    }
    return got.join('; ');
  }

  add('reflection_v1', 'reflection v1 on each host: list_services names its service, health and both reflection services; file_containing_symbol returns its methods',
    () => listServices('v1'));
  add('reflection_v1alpha', 'reflection v1alpha: the same as v1', () => listServices('v1alpha'));

  // ---- FeatureService and AlertService with their roles -------------------------------------------------------

  add('features_entity_state', 'GetEntityState (analyst) of a scored account: OK found; of an unknown account: OK not found; entity type unspecified: INVALID_ARGUMENT on entity_type; scorer key: PERMISSION_DENIED', async () => {
    const account = newId('acct');
    await score(transaction({ account_id: account }));
    const request = (kind, id) => ({ entity_type: kind, entity_id: id });
    const { reply: known } = await unary(features, 'GetEntityState', request('ENTITY_TYPE_ACCOUNT', account), auth('analyst'));
    const { reply: unknown } = await unary(features, 'GetEntityState', request('ENTITY_TYPE_ACCOUNT', newId('never')), auth('analyst'));
    const got = `scored: found=${known.found} fields=${Object.keys(known.fields).length}; unknown: found=${unknown.found}`;
    expect(known.found && Object.keys(known.fields).length > 0 && !unknown.found, got);
    const error = await expectStatus(unary(features, 'GetEntityState', request('ENTITY_TYPE_UNSPECIFIED', account), auth('analyst')),
      grpc.status.INVALID_ARGUMENT);
    const { violations } = badRequest(error);
    expect(violations.length === 1 && violations[0][0] === 'entity_type', `${got}; violations ${JSON.stringify(violations)}`);
    await expectStatus(unary(features, 'GetEntityState', request('ENTITY_TYPE_ACCOUNT', account), auth('scorer')), grpc.status.PERMISSION_DENIED);
    return `${got}; unspecified: INVALID_ARGUMENT [entity_type]; scorer: PERMISSION_DENIED`;
  });

  add('features_compute_roles', 'ComputeFeatures with the scoring-service key: one vector per transaction, in order; with the analyst key: PERMISSION_DENIED', async () => {
    const txs = Array.from({ length: 3 }, () => transaction({ account_id: newId('acct') }));
    const { reply } = await unary(features, 'ComputeFeatures', { transactions: txs }, auth('scoring-service'));
    const got = `schema ${reply.schema_version}, ${reply.vectors.length} vectors of [${[...new Set(reply.vectors.map((v) => v.values.length))]}] values`;
    expect(reply.vectors.map((v) => v.transaction_id).join() === txs.map((t) => t.transaction_id).join(), got);
    expect(reply.schema_version && reply.vectors.every((v) => v.values.length > 0), got);
    await expectStatus(unary(features, 'ComputeFeatures', { transactions: txs }, auth('analyst')), grpc.status.PERMISSION_DENIED);
    return `${got}; analyst: PERMISSION_DENIED`;
  });

  add('alerts_decline_listed', 'a DECLINE reaches the alert service: ListAlerts (analyst) finds its alert within 15 s, GetAlert returns it with its decision', async () => {
    const tx = transaction({ account_id: args['blocked-account'] });
    const r = await score(tx);
    expect(r.decision === 'DECISION_DECLINE', `Score ${r.decision}`);
    const started = Date.now();
    let alert = null;
    while (!alert && Date.now() - started < 15000) {
      const { reply } = await unary(alerts, 'ListAlerts', { account_id: args['blocked-account'], page_size: 100 }, auth('analyst'));
      alert = reply.alerts.find((a) => a.transaction_id === tx.transaction_id) || null;
      if (!alert) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(alert, `no alert for ${tx.transaction_id} after 15 s`);
    const { reply: detail } = await unary(alerts, 'GetAlert', { alert_id: alert.alert_id }, auth('analyst'));
    const got = `alert ${alert.alert_id} after ${Date.now() - started} ms, ${alert.decision}, GetAlert OK`;
    expect(detail.alert.transaction_id === tx.transaction_id && detail.alert.decision === r.decision, got);
    return got;
  });

  add('alerts_roles_and_not_found', 'AlertService roles: ListAlerts with the scorer key and RecordDecisions with the analyst key PERMISSION_DENIED; GetAlert of an unknown id NOT_FOUND', async () => {
    await expectStatus(unary(alerts, 'ListAlerts', { page_size: 1 }, auth('scorer')), grpc.status.PERMISSION_DENIED);
    await expectStatus(unary(alerts, 'RecordDecisions', {}, auth('analyst')), grpc.status.PERMISSION_DENIED);
    const error = await expectStatus(unary(alerts, 'GetAlert', { alert_id: '999999999999' }, auth('analyst')), grpc.status.NOT_FOUND);
    return `PERMISSION_DENIED, PERMISSION_DENIED, NOT_FOUND (${error.details})`;
  });

  add('alerts_watch', 'WatchAlerts (analyst) streams the CREATED event of a new DECLINE; a watch with a 500 ms deadline ends DEADLINE_EXCEEDED', async () => {
    const declined = new Set();
    const started = Date.now();
    const watch = alerts.WatchAlerts({}, auth('analyst'), deadline());
    let timer = null;
    const seen = await new Promise((resolve, reject) => {
      watch.on('data', (event) => {
        if (declined.has(event.alert.transaction_id)) resolve([event.event_type]);
      });
      watch.on('error', (e) => { if (e.code !== grpc.status.CANCELLED) reject(e); });
      watch.on('end', () => resolve([]));
      // The subscription starts when the server runs the handler; decline until one of ours is seen.
      const decline = () => {
        if (declined.size >= 30) return;
        const tx = transaction({ account_id: args['blocked-account'] });
        declined.add(tx.transaction_id);
        score(tx).catch(reject);
        timer = setTimeout(decline, 500);
      };
      decline();
    }).finally(() => { clearTimeout(timer); watch.cancel(); });
    const got = `event [${seen}] after ${Date.now() - started} ms`;
    expect(seen.length === 1 && seen[0] === 'ALERT_EVENT_TYPE_CREATED', got);
    const began = Date.now();
    const error = await expectStatus(collect(alerts.WatchAlerts({ min_score: 0 }, auth('analyst'), deadline(500))), grpc.status.DEADLINE_EXCEEDED);
    return `${got}; short watch ${statusName(error.code)} after ${Date.now() - began} ms`;
  });

  const close = () => clients.forEach((c) => c.close());
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
  const { cases, close } = makeSuite(args);
  const wanted = args.only ? new Set(args.only.split(',')) : null;
  const version = require('@grpc/grpc-js/package.json').version;
  const loaderVersion = require('@grpc/proto-loader/package.json').version;
  console.log(`@grpc/grpc-js ${version} with @grpc/proto-loader ${loaderVersion} (node ${process.version}) against scoring ${args.scoring}, features ${args.features}, alerts ${args.alerts}`);
  let passed = 0;
  let failed = 0;
  let gaps = 0;
  for (const { name, expected, fn } of cases) {
    if (wanted && !wanted.has(name)) continue;
    const started = Date.now();
    let outcome = 'PASS';
    let got;
    try {
      got = await withTimeout(Promise.resolve().then(fn), CASE_TIMEOUT_MS, name);
      passed += 1;
    } catch (error) {
      outcome = 'FAIL';
      if (error instanceof CaseFailure) {
        got = error.message;
        const gap = KNOWN_GAPS[name];
        if (gap && got.startsWith(gap[0])) {
          outcome = 'GAP';
          got = `${got} (known gap: ${gap[1]})`;
        }
      } else if (typeof error.code === 'number') {
        got = `unexpected ${statusName(error.code)}: ${error.details}`;
      } else {
        got = String(error && error.stack ? error.stack.split('\n').slice(0, 3).join(' | ') : error);
      }
      if (outcome === 'FAIL') failed += 1; else gaps += 1;
    }
    console.log(`${outcome} ${name} | expected: ${expected} | got: ${got} | ${Date.now() - started} ms`);
  }
  close();
  console.log(`${passed} passed, ${failed} failed, ${gaps} known gaps`);
  process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
}

main().catch((error) => {
  console.log(`FAIL setup | expected: the suite starts | got: ${error && error.stack ? error.stack : error} | 0 ms`);
  console.log('0 passed, 1 failed, 0 known gaps');
  process.exitCode = 1;
});
