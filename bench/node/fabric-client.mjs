// The official Hyperledger Fabric Gateway client for Node (@hyperledger/fabric-gateway), driven
// from the command line by the benchmark (bench/scan_commit.py) and the interop test
// (tests/interop/). It only uses the client's public API, as an application would.
//
//   node fabric-client.mjs bench --config FILE
//     submits every argument of FILE's "arguments" with FILE's "concurrency" workers, the first
//     "warmup" of them untimed; prints {"samples_ms": [...], "wall_s", "cpu_s", "errors", ...}
//   node fabric-client.mjs once --config FILE
//     evaluates FILE's transaction, then submits it; prints {"evaluated", "tx_id", ...}
//   node fabric-client.mjs evaluate --config FILE
//     only evaluates FILE's transaction (a query: nothing is submitted); prints {"evaluated"}
//
// FILE is JSON: {"endpoint", "tls_root_cert", "host_override", "msp_id", "msp_dir",
// "channel", "chaincode", "transaction", "arguments": ["<argument JSON>", ...],
// "concurrency", "warmup"}. Each argument is one transaction's single string argument. A missing
// or null "host_override" verifies the peer's TLS certificate against the endpoint's host.

import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers } from '@hyperledger/fabric-gateway';
import * as crypto from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const utf8 = new TextDecoder();

async function identityOf(mspId, mspDir) {
    // fabric-ca-client's enrolment layout: signcerts/cert.pem and keystore/<ski>_sk.
    const credentials = await fs.readFile(path.join(mspDir, 'signcerts', 'cert.pem'));
    const keystore = path.join(mspDir, 'keystore');
    const keys = (await fs.readdir(keystore)).filter((name) => name.endsWith('_sk'));
    if (keys.length !== 1) {
        throw new Error(`${keystore} must hold exactly one *_sk key file, found ${keys.length}`);
    }
    const privateKey = crypto.createPrivateKey(await fs.readFile(path.join(keystore, keys[0])));
    return { identity: { mspId, credentials }, signer: signers.newPrivateKeySigner(privateKey) };
}

async function open(config) {
    const tlsRoot = await fs.readFile(config.tls_root_cert);
    const options = config.host_override ? { 'grpc.ssl_target_name_override': config.host_override } : {};
    const client = new grpc.Client(config.endpoint, grpc.credentials.createSsl(tlsRoot), options);
    const { identity, signer } = await identityOf(config.msp_id, config.msp_dir);
    // The deadlines the fabric-gateway samples recommend, as the project's Timeouts defaults.
    const seconds = (s) => () => ({ deadline: Date.now() + s * 1000 });
    const gateway = connect({
        client,
        identity,
        signer,
        hash: hash.sha256,
        evaluateOptions: seconds(5),
        endorseOptions: seconds(15),
        submitOptions: seconds(5),
        commitStatusOptions: seconds(60),
    });
    const contract = gateway.getNetwork(config.channel).getContract(config.chaincode);
    return { client, gateway, contract, signer };
}

// submitAsync (endorse + submit) then getStatus (commit status): the full submit → commit path.
async function submitOne(contract, transaction, argument) {
    const submitted = await contract.submitAsync(transaction, { arguments: [argument] });
    const status = await submitted.getStatus();
    if (!status.successful) {
        throw new Error(`transaction ${status.transactionId} committed with code ${status.code}`);
    }
    return { submitted, status };
}

// `concurrency` workers take the next argument until none is left; returns per-call samples.
async function drain(contract, config, argumentsList, timed) {
    const samples = [];
    const errors = [];
    let next = 0;
    const worker = async () => {
        while (next < argumentsList.length) {
            const argument = argumentsList[next++];
            const start = performance.now();
            try {
                await submitOne(contract, config.transaction, argument);
                if (timed) samples.push(performance.now() - start);
            } catch (error) {
                errors.push(String(error && error.message ? error.message : error).split('\n')[0]);
            }
        }
    };
    const started = performance.now();
    const cpu = process.cpuUsage();
    await Promise.all(Array.from({ length: config.concurrency }, worker));
    const used = process.cpuUsage(cpu);
    const cpu_s = (used.user + used.system) / 1e6;
    return { samples, errors, cpu_s, wall_s: (performance.now() - started) / 1000 };
}

// Milliseconds per signature of the client's signer, after the run (warm): each submit signs
// three times (proposal, transaction envelope, commit status request).
async function signatureMs(signer, count = 200) {
    const digest = crypto.createHash('sha256').update('benchmark').digest();
    const start = performance.now();
    for (let i = 0; i < count; i++) await signer(digest);
    return (performance.now() - start) / count;
}

async function bench(config) {
    const { client, gateway, contract, signer } = await open(config);
    try {
        const warmup = config.arguments.slice(0, config.warmup);
        const measured = config.arguments.slice(config.warmup);
        const warm = await drain(contract, config, warmup, false);
        const run = await drain(contract, config, measured, true);
        return {
            signature_ms: await signatureMs(signer),
            client: '@hyperledger/fabric-gateway',
            node: process.version,
            concurrency: config.concurrency,
            warmup: warmup.length,
            warmup_errors: warm.errors.length,
            samples_ms: run.samples,
            wall_s: run.wall_s,
            cpu_s: run.cpu_s,
            errors: run.errors.length,
            error_messages: run.errors.slice(0, 5),
        };
    } finally {
        gateway.close();
        client.close();
    }
}

async function once(config) {
    const { client, gateway, contract } = await open(config);
    try {
        const argument = config.arguments[0];
        const evaluated = await contract.evaluateTransaction(config.transaction, argument);
        const { submitted, status } = await submitOne(contract, config.transaction, argument);
        return {
            evaluated: utf8.decode(evaluated),
            tx_id: submitted.getTransactionId(),
            result: utf8.decode(submitted.getResult()),
            block_number: Number(status.blockNumber),
            code: status.code,
            successful: status.successful,
        };
    } finally {
        gateway.close();
        client.close();
    }
}

async function evaluate(config) {
    const { client, gateway, contract } = await open(config);
    try {
        const evaluated = await contract.evaluateTransaction(config.transaction, config.arguments[0]);
        return { evaluated: utf8.decode(evaluated) };
    } finally {
        gateway.close();
        client.close();
    }
}

async function main(argv) {
    const [command, flag, file] = argv;
    const run = { bench, once, evaluate }[command];
    if (!run || flag !== '--config' || !file) {
        process.stderr.write('usage: node fabric-client.mjs bench|once|evaluate --config FILE\n');
        return 64;
    }
    const config = JSON.parse(await fs.readFile(file, 'utf8'));
    process.stdout.write(JSON.stringify(await run(config)) + '\n');
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error) => {
        process.stderr.write(`error: ${error && error.stack ? error.stack : error}\n`);
        if (error && error.details) {
            process.stderr.write(`details: ${JSON.stringify(error.details)}\n`);
        }
        process.exitCode = 1;
    },
);
