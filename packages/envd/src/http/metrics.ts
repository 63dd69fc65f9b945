// STUB: replaced by the /metrics implementation.
import type { EnvdConfig } from "../config.js";
import { HttpError, type HttpHandler } from "./respond.js";

export function metricsHandler(_deps: { config: EnvdConfig }): HttpHandler {
  return () => {
    throw new HttpError(501, "not implemented");
  };
}
