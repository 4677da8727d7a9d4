#!/usr/bin/env node
// Scores transactions against fraudex.v1.ScoringService with @grpc/grpc-js, as a gateway written in Node would.
// Message types come from a FileDescriptorSet written by the end-to-end test (protobufjs), and calls go through
// grpc-js's generic Client (makeUnaryRequest / makeBidiStreamRequest). The node packages are the conformance suite's
// (tests/conformance/node), installed by the test command.
//
// Usage: node score_client.js --target 127.0.0.1:PORT --descriptors set.pb --input txs.pb --api-key KEY
//            --mode unary|stream --out results.jsonl
'use strict';

const fs = require('fs');
const path = require('path');

const REPO = process.env.FRAUDEX_REPO || path.resolve(__dirname, '..', '..', '..', '..', '..', '..', '..');
const modules = process.env.FRAUDEX_NODE_MODULES || path.join(REPO, 'tests', 'conformance', 'node', 'node_modules');
const grpc = require(path.join(modules, '@grpc', 'grpc-js'));
const protobuf = require(path.join(modules, 'protobufjs'));
require(path.join(modules, 'protobufjs', 'ext', 'descriptor'));

const TIMEOUT_MS = 30000;
const CONCURRENCY = 16;

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const k of ['target', 'descriptors', 'input', 'mode', 'out']) if (!args[k]) throw new Error(`--${k} is required`);
  return args;
}

// Decoded messages leave proto3 defaults (0, false) unset, and keep the descriptor's snake_case field names.
function answer(id, r, error) {
  return { id: id || '', decision: r.decision || 0, score: r.score || 0, replayed: !!r.replayed, error };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const set = protobuf.descriptor.FileDescriptorSet.decode(fs.readFileSync(args.descriptors));
  const root = protobuf.Root.fromDescriptor(set);
  const T = (n) => root.lookupType('fraudex.v1.' + n);
  const [ScoreRequest, ScoreResponse, StreamRequest, StreamResponse, Batch] =
    ['ScoreRequest', 'ScoreResponse', 'ScoreStreamRequest', 'ScoreStreamResponse', 'ComputeFeaturesRequest'].map(T);
  const transactions = Batch.decode(fs.readFileSync(args.input)).transactions;
  const metadata = new grpc.Metadata();
  if (args['api-key']) metadata.set('authorization', 'Bearer ' + args['api-key']);
  const client = new grpc.Client(args.target, grpc.credentials.createInsecure());
  const enc = (Type) => (m) => Buffer.from(Type.encode(m).finish());
  const dec = (Type) => (b) => Type.decode(b);
  const results = [];

  if (args.mode === 'unary') {
    let next = 0;
    const worker = async () => {
      while (next < transactions.length) {
        const tx = transactions[next++];
        const r = await new Promise((resolve, reject) => client.makeUnaryRequest(
          '/fraudex.v1.ScoringService/Score', enc(ScoreRequest), dec(ScoreResponse), ScoreRequest.create({ transaction: tx }),
          metadata, { deadline: Date.now() + TIMEOUT_MS }, (err, res) => (err ? reject(err) : resolve(res))));
        results.push(answer(r.transaction_id, r, 0));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } else if (args.mode === 'stream') {
    const call = client.makeBidiStreamRequest('/fraudex.v1.ScoringService/ScoreStream', enc(StreamRequest), dec(StreamResponse),
      metadata, { deadline: Date.now() + 4 * TIMEOUT_MS });
    const done = new Promise((resolve, reject) => {
      call.on('data', (r) => {
        if (r.result) results.push(answer(r.transaction_id, r.result, 0));
        else results.push(answer(r.transaction_id, {}, r.error ? r.error.code : -1));
      });
      call.on('error', reject);
      call.on('end', resolve);
    });
    for (const tx of transactions) {
      if (!call.write(StreamRequest.create({ transaction: tx }))) await new Promise((r) => call.once('drain', r));
    }
    call.end();
    await done;
  } else {
    throw new Error('unknown mode ' + args.mode);
  }

  fs.writeFileSync(args.out, results.map((r) => JSON.stringify(r)).join('\n') + '\n');
  client.close();
  console.log(`grpc-js ${require(path.join(modules, '@grpc', 'grpc-js', 'package.json')).version}: ${results.length} answers (${args.mode})`);
}

main().catch((e) => { console.error(e); process.exit(1); });
