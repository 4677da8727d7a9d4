#!/usr/bin/env node
// Scores a stream of transactions with FraudEx from Node (@grpc/grpc-js + @grpc/proto-loader, loading protos/).
//   npm install @grpc/grpc-js@1.14 @grpc/proto-loader@0.8
//   node examples/node/score.js 127.0.0.1:5100 [api-key]
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protos = path.join(__dirname, '..', '..', 'protos');
const definition = protoLoader.loadSync('fraudex/v1/scoring.proto', {
  includeDirs: [protos], keepCase: true, longs: Number, enums: String, defaults: true,
});
const { ScoringService } = grpc.loadPackageDefinition(definition).fraudex.v1;

const [target = '127.0.0.1:5100', apiKey = ''] = process.argv.slice(2);
const client = new ScoringService(target, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
if (apiKey) metadata.set('authorization', `Bearer ${apiKey}`);

// One long bidirectional stream: one answer per transaction, in order, each echoing transaction_id.
const call = client.ScoreStream(metadata, { deadline: Date.now() + 10_000 });
call.on('data', (r) => {
  if (r.error) console.log(`${r.transaction_id}: error ${r.error.code} ${r.error.message}`);
  else console.log(`${r.transaction_id}: ${r.result.decision} score=${r.result.score.toFixed(4)}`
    + ` reasons=${r.result.reasons.map((x) => x.code).join(',')}`);
});
call.on('error', (e) => { console.error(`${grpc.status[e.code]}: ${e.details}`); process.exitCode = 1; });
call.on('end', () => client.close());

const now = Date.now();
for (let i = 0; i < 5; i++) {
  const seconds = Math.floor(now / 1000) - 60 + i * 10;        // a burst: five payments within a minute
  call.write({ transaction: {
    transaction_id: `js-${now}-${i}`, account_id: 'acct-2d41e8', merchant_id: `merch-${900 + i}`,
    merchant_category_code: '5999', amount_minor: 100 + i, currency: 'USD',
    timestamp: { seconds, nanos: 0 }, channel: 'CHANNEL_ECOMMERCE', card_present: false,
    device_id: 'dev-77aa', ip_address: '198.51.100.23', country: 'US', merchant_country: 'US',
  } });
}
call.end();
