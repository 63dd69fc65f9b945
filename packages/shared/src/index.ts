export * from "./errors.js";
export * from "./ids.js";
export * from "./roles.js";
export * from "./states.js";
