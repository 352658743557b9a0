// The transform pool's worker as the sources run it (npm start, vitest, the bench): the TypeScript
// worker loaded through tsx, which a worker thread does not inherit from vitest. Function bundles
// put a compiled transforms.worker.mjs beside their own code instead (stacks/functions.ts), so the
// pool finds its worker at the same relative path in both.
import { tsImport } from "tsx/esm/api";

const { default: transform } = await tsImport("./transforms.ts", import.meta.url);
export default transform;
