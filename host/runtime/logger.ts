export type LogLevel = "error" | "warn" | "info" | "debug";

export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

export type Logger = (level: LogLevel, message: string) => void;

/** Logs to stderr with a prefix; debug lines only when NYMOTE_DEBUG is set. */
export function consoleLogger(prefix: string): Logger {
  const debug = Boolean(process.env.NYMOTE_DEBUG);
  return (level, message) => {
    if (level === "debug" && !debug) return;
    process.stderr.write(`${prefix} ${level}: ${message}\n`);
  };
}

export const silentLogger: Logger = () => {};
