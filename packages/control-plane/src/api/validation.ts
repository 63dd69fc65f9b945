import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance } from "fastify";

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the
// module object, whose `default` is the plugin (the module object is the plugin as well).
const addFormats = addFormatsModule.default;

const common: Options = {
  useDefaults: true,
  // Fastify's default strips unknown properties silently; a closed schema should reject them.
  removeAdditional: false,
  allErrors: false,
  // TypeBox emits annotations (examples, description) that strict mode would call unknown.
  strict: false,
};

/**
 * Two validators: bodies are JSON and must have the declared types exactly ({"name": 123} is a
 * 400, not the string "123"); params, querystrings and headers arrive as strings and are
 * coerced to the declared types (`?limit=10` → 10).
 */
export function installValidators(app: FastifyInstance): void {
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: "array" });
  addFormats(strict);
  addFormats(coercing);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === "body" ? strict : coercing).compile(schema),
  );
  // No body at all (no content type, no bytes) counts as `{}`: action routes whose fields are
  // all optional (pause, resume) accept a bare POST, as E2B's older SDKs send it, while routes
  // with required fields still answer 400 naming them.
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
}
