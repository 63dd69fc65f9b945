import { CliError, EXIT } from "./errors.js";

/*
 * The API's JSON shapes, as far as the CLI reads them (packages/control-plane/src/api/**
 * /schemas.ts are the source). Answers are checked for the fields the CLI uses and otherwise
 * passed through untouched, so `--json` prints exactly what the server sent.
 */

export interface SandboxView {
  readonly id: string;
  readonly templateId: string | null;
  readonly state: string;
  readonly stateReason: string | null;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly diskSizeMb: number;
  readonly timeoutMs: number;
  readonly metadata: Record<string, string>;
  readonly autoPause: boolean;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly endAt: string | null;
}

export interface TemplateView {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly isPlatform: boolean;
  readonly vcpus: number | null;
  readonly memoryMb: number | null;
  readonly sourceSandboxId: string | null;
  readonly sizeBytes: number | null;
  readonly createdAt: string;
}

export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

export interface CreatedApiKeyView extends ApiKeyView {
  readonly key: string;
}

export interface ExecResultView {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unexpected(what: string): CliError {
  return new CliError(`the server sent an unexpected answer (expected ${what})`, {
    exitCode: EXIT.failure,
  });
}

/** Checks the named fields' types; the rest is trusted to match the server's schema. */
function checked<T>(value: unknown, what: string, fields: Record<string, string>): T {
  if (!isRecord(value)) throw unexpected(what);
  for (const [name, type] of Object.entries(fields)) {
    if (typeof value[name] !== type) throw unexpected(`${what}.${name}: ${type}`);
  }
  return value as T;
}

export const asSandbox = (value: unknown) =>
  checked<SandboxView>(value, "sandbox", { id: "string", state: "string", metadata: "object" });

export const asTemplate = (value: unknown) =>
  checked<TemplateView>(value, "template", { id: "string", name: "string" });

export const asApiKey = (value: unknown) =>
  checked<ApiKeyView>(value, "API key", { id: "string", name: "string" });

export const asCreatedApiKey = (value: unknown) =>
  checked<CreatedApiKeyView>(value, "API key", { id: "string", key: "string" });

export const asExecResult = (value: unknown) =>
  checked<ExecResultView>(value, "exec result", { exitCode: "number", stdout: "string" });

export function asArray<T>(value: unknown, item: (value: unknown) => T): T[] {
  if (!Array.isArray(value)) throw unexpected("a list");
  return value.map(item);
}

export function asSandboxPage(value: unknown): {
  sandboxes: SandboxView[];
  nextCursor: string | null;
} {
  if (!isRecord(value)) throw unexpected("a sandbox list");
  const nextCursor = typeof value.nextCursor === "string" ? value.nextCursor : null;
  return { sandboxes: asArray(value.sandboxes, asSandbox), nextCursor };
}
