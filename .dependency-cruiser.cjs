// The one architectural rule, checked by `npm run lint`: folders in src/ are layers, and
// imports only point down. A folder may import from its own layer's folders only where the
// list says so (rank order), never up, and no module cycle is allowed anywhere.
//
//   express, fastify            the service side's framework adapters (subpath exports)
//   service                     answering callers (problem+json) and their deadlines, framework-free
//   client, runtime, cli        composition roots (createClient, createFetch, init)
//   signals                     logs, spans, metrics, Sentry: observers of the pipeline
//   pipeline                    prepare, admit, attempt, decide, finish (and the guarded observer fan-out)
//   config                      the environment, read and validated
//   shared                      the fleet's state in Redis, kept in step in the background
//   transport, policies, auth   the parts: a folder per resilience policy, composed by composePolicies
//   errors                      one RequestFailure class per kind
//   classification, redaction   pure functions over responses, errors and URLs
//   types                       public types, grouped by concept (the policy contract: types/policy.ts)
//   core                        failure kinds, severity, defaults, diagnostics, clock, hook guards
const LAYERS = [
  ['core'],
  ['types'],
  ['classification', 'redaction'],
  ['errors'],
  ['transport', 'policies', 'auth'],
  ['config'],
  ['shared'],
  ['pipeline'],
  ['signals'],
  ['client'],
  ['service'],
  ['runtime', 'cli', 'express', 'fastify', 'testing'],
];

const above = (rank) => LAYERS.slice(rank + 1).flat();
const sideways = (rank, folder) => LAYERS[rank].filter((other) => other !== folder);

const layerRules = LAYERS.flatMap((folders, rank) =>
  folders.map((folder) => ({
    name: `layer-${folder}`,
    comment: `src/${folder}/ is in layer ${rank}: it may import only from lower layers (and its own folder).`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${[...above(rank), ...sideways(rank, folder)].join('|')})/|^src/index\\.ts$` },
  })),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'No module may reach itself through its imports.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'src-stands-alone',
      comment: 'Library code never imports tests, examples or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|examples|bench|fixtures)/' },
    },
    {
      name: 'known-folders-only',
      comment: 'Every folder of src/ belongs to a layer: add a new one to LAYERS above.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: `^src/(?!(${LAYERS.flat().join('|')})/|index\\.ts$)` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
