#!/usr/bin/env node
// Runs the CLI from its TypeScript sources (tsx), so a clone works without a build.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../host/cli/main.ts");
process.exitCode = await main(process.argv);
