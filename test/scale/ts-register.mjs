// `import '../scale/ts-register.mjs'` before importing a .ts harness from a plain node script:
// registers ts-hooks.mjs (TypeScript sources loaded in place, see there).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
