// Node module hooks that let a plain `node` script (test/bench/scale.mjs) import the scale test
// harnesses from their TypeScript sources, in place: each .ts file is transpiled on load with
// the project's own `typescript` (types are dropped, not checked), and `./x.js` imports fall
// back to `./x.ts` as under the TypeScript build. Loading in place keeps `import.meta.url`
// right, which the harnesses use to find the repo, the built collector and the fixtures.
// Registered by test/scale/ts-register.mjs.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const relative = specifier.startsWith('.') || specifier.startsWith('/');
    if (relative && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts'))
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    throw err;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const out = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
