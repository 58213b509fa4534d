#!/usr/bin/env node
// Runs an ONNX model through ONNX Runtime (onnxruntime-node) as the accuracy and speed reference.
//
//   node run_onnx.js JOB.json      run the job described below
//   node run_onnx.js --check       exit 0 when onnxruntime-node loads
//
// JOB.json (tensors are raw little-endian float32 files, or inline "values"):
//   {
//     "model": "rvm.onnx", "threads": 2,
//     "frames": [ { "src": { "file": "0_src.f32", "dims": [1,3,48,64] } }, ... ],
//     "constants": { "downsample_ratio": { "dims": [1], "values": [0.25] },
//                    "r1i": { "dims": [1,1,1,1], "values": [0] } },
//     "recurrent": { "r1o": "r1i" },          output fed to the next frame's input
//     "outputs": ["fgr", "pha"],              written as <frame>_<name>.f32 + outputs.json
//     "output_dir": "out",
//     "timing": { "frames": 10 }              optional: run frames[0] once to warm up, then
//   }                                         10 more times; print {"seconds": [...]}, write nothing
'use strict';

const fs = require('fs');
const path = require('path');

class JobError extends Error {}

function fail(message) {
  throw new JobError(message);
}

function loadOrt() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    fail(`cannot load onnxruntime-node from ${__dirname}/node_modules (scripts/setup.sh in the source tree, or 'npm ci --ignore-scripts' in that folder): ${e.message}`);
  }
}

function product(dims) {
  return dims.reduce((a, b) => a * b, 1);
}

function checkDims(dims, what) {
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
    fail(`${what}: "dims" must be a list of non-negative integers`);
  }
}

// A tensor spec from the job: {dims, file} or {dims, values}; relative files are relative to the job.
function readTensor(ort, spec, what, jobDir) {
  if (typeof spec !== 'object' || spec === null) fail(`${what}: expected an object with "dims"`);
  checkDims(spec.dims, what);
  const count = product(spec.dims);
  let data;
  if (spec.file !== undefined) {
    const file = path.resolve(jobDir, spec.file);
    let bytes;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      fail(`${what}: cannot read ${file}: ${e.message}`);
    }
    if (bytes.length !== count * 4) {
      fail(`${what}: ${file} has ${bytes.length} bytes, dims [${spec.dims}] need ${count * 4}`);
    }
    // Copy into a fresh, 4-byte aligned buffer (the file is little-endian, as is every supported host).
    data = new Float32Array(count);
    new Uint8Array(data.buffer).set(bytes);
  } else if (Array.isArray(spec.values)) {
    // A single value fills the tensor (zero recurrent states, scalars).
    if (spec.values.length !== count && spec.values.length !== 1) {
      fail(`${what}: ${spec.values.length} values for dims [${spec.dims}]`);
    }
    data = spec.values.length === count ? Float32Array.from(spec.values) : new Float32Array(count).fill(spec.values[0]);
  } else {
    fail(`${what}: needs "file" or "values"`);
  }
  return new ort.Tensor('float32', data, spec.dims);
}

function readJob(jobPath) {
  let job;
  try {
    job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
  } catch (e) {
    fail(`cannot read job file ${jobPath}: ${e.message}`);
  }
  if (typeof job.model !== 'string') fail(`${jobPath}: "model" must be a path`);
  if (!Array.isArray(job.frames) || job.frames.length === 0) fail(`${jobPath}: "frames" must be a non-empty list`);
  job.threads = job.threads ?? 1;
  if (!Number.isInteger(job.threads) || job.threads < 1) fail(`${jobPath}: "threads" must be a positive integer`);
  job.constants = job.constants ?? {};
  job.recurrent = job.recurrent ?? {};
  job.outputs = job.outputs ?? [];
  if (job.timing !== undefined) {
    if (!Number.isInteger(job.timing.frames) || job.timing.frames < 1) {
      fail(`${jobPath}: "timing.frames" must be a positive integer`);
    }
  } else if (typeof job.output_dir !== 'string') {
    fail(`${jobPath}: "output_dir" is required unless "timing" is given`);
  }
  return job;
}

async function createSession(ort, job, jobDir) {
  const model = path.resolve(jobDir, job.model);
  if (!fs.existsSync(model)) fail(`model ${model} does not exist`);
  let session;
  try {
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: job.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Failures come back as exceptions with the same text; ORT's own error log would repeat them.
      logSeverityLevel: 4,
    });
  } catch (e) {
    fail(`ONNX Runtime cannot load model ${model}: ${e.message}`);
  }
  for (const name of [...job.outputs, ...Object.keys(job.recurrent)]) {
    if (!session.outputNames.includes(name)) {
      fail(`model ${model} has no output "${name}" (outputs: ${session.outputNames.join(' ')})`);
    }
  }
  return { session, model };
}

// Builds the feeds for one frame: constants, then the previous frame's recurrent outputs, then the frame's own inputs.
function frameFeeds(ort, job, jobDir, index, constants, carried, model, inputNames) {
  const feeds = { ...constants, ...carried };
  for (const [name, spec] of Object.entries(job.frames[index])) {
    feeds[name] = readTensor(ort, spec, `frame ${index} input "${name}"`, jobDir);
  }
  for (const name of Object.keys(feeds)) {
    if (!inputNames.includes(name)) fail(`model ${model} has no input "${name}" (inputs: ${inputNames.join(' ')})`);
  }
  for (const name of inputNames) {
    if (!(name in feeds)) fail(`frame ${index}: no value for model input "${name}"`);
  }
  return feeds;
}

async function runFrame(session, feeds, index, model) {
  try {
    return await session.run(feeds);
  } catch (e) {
    fail(`ONNX Runtime failed on frame ${index} of ${model}: ${e.message}`);
  }
}

function carryOver(job, results) {
  const carried = {};
  for (const [output, input] of Object.entries(job.recurrent)) carried[input] = results[output];
  return carried;
}

async function main(argv) {
  if (argv.length !== 1) fail('usage: node run_onnx.js JOB.json | --check');
  const ort = loadOrt();
  if (argv[0] === '--check') return;

  const jobPath = path.resolve(argv[0]);
  const jobDir = path.dirname(jobPath);
  const job = readJob(jobPath);
  const { session, model } = await createSession(ort, job, jobDir);
  const constants = {};
  for (const [name, spec] of Object.entries(job.constants)) {
    constants[name] = readTensor(ort, spec, `constant "${name}"`, jobDir);
  }

  let carried = {};
  if (job.timing !== undefined) {
    // Inputs are read once: only inference (with the recurrent feed) is timed.
    const feeds = frameFeeds(ort, job, jobDir, 0, constants, {}, model, session.inputNames);
    const seconds = [];
    for (let i = 0; i <= job.timing.frames; ++i) {
      const start = process.hrtime.bigint();
      const results = await runFrame(session, { ...feeds, ...carried }, 0, model);
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      if (i > 0) seconds.push(elapsed);
      carried = carryOver(job, results);
    }
    process.stdout.write(JSON.stringify({ seconds }) + '\n');
    return;
  }

  const outDir = path.resolve(jobDir, job.output_dir);
  fs.mkdirSync(outDir, { recursive: true });
  const written = [];
  for (let index = 0; index < job.frames.length; ++index) {
    const feeds = frameFeeds(ort, job, jobDir, index, constants, carried, model, session.inputNames);
    const results = await runFrame(session, feeds, index, model);
    const entry = {};
    for (const name of job.outputs) {
      const tensor = results[name];
      if (tensor.type !== 'float32') fail(`output "${name}" of ${model} is ${tensor.type}, only float32 is written`);
      const data = tensor.data;
      fs.writeFileSync(path.join(outDir, `${index}_${name}.f32`), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      entry[name] = { dims: tensor.dims.map(Number) };
    }
    written.push(entry);
    carried = carryOver(job, results);
  }
  fs.writeFileSync(path.join(outDir, 'outputs.json'), JSON.stringify({ frames: written }) + '\n');
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`run_onnx: ${e instanceof JobError ? e.message : e.stack}\n`);
  process.exit(1);
});
