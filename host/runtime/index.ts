export { check, NymoteError, NymotePanic } from "./errors.ts";
export { type FlashDevice, type FlashGeometry, MemoryFlash } from "./flash.ts";
export { Core, type CoreOptions } from "./instance.ts";
export { consoleLogger, type Logger, type LogLevel, silentLogger } from "./logger.ts";
