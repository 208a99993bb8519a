// The shared Backend suite against the memory backend on every build target. The
// flash part runs the same suite (tests/store/backend-suite.ts) on its backend.
import { Core } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";
import { backendSuite } from "./backend-suite.ts";
import { TARGETS } from "./helpers.ts";

for (const target of TARGETS) {
  const core = new Core(target);
  backendSuite(`memory (${target})`, () => CoreStore.openMemory(core));
}
