import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { teamIds } from "@wrenn/shared";
import type { RateLimitConfig } from "../../config.js";
import type { AccountService } from "../../services/accounts.js";
import { sessionOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import {
  LoginBody,
  MeView,
  SessionView,
  SignupBody,
  SwitchTeamBody,
  toMeView,
  toSessionView,
} from "./schemas.js";

export function authRoutes(deps: {
  accounts: AccountService;
  rateLimit: RateLimitConfig;
}): FastifyPluginAsyncTypebox {
  const { accounts } = deps;
  // Signup and login are the only anonymous writes: limit them per IP, tighter than the rest.
  const anonymousLimit = {
    max: deps.rateLimit.authPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: { ip: string }) => `ip:${request.ip}`,
  };

  return async (app) => {
    app.post(
      "/v1/auth/signup",
      {
        config: { rateLimit: anonymousLimit },
        schema: {
          tags: ["auth"],
          summary: "Create an account and its default team",
          body: SignupBody,
          response: withErrors({ 201: SessionView }),
        },
      },
      async (request, reply) => {
        const signedIn = await accounts.signup(request.body);
        return reply.code(201).send(toSessionView(signedIn));
      },
    );

    app.post(
      "/v1/auth/login",
      {
        config: { rateLimit: anonymousLimit },
        schema: {
          tags: ["auth"],
          summary: "Sign in with email and password",
          body: LoginBody,
          response: withErrors({ 200: SessionView }),
        },
      },
      async (request) => toSessionView(await accounts.login(request.body)),
    );

    app.post(
      "/v1/auth/switch-team",
      {
        config: { auth: "session" },
        schema: {
          tags: ["auth"],
          summary: "Get a token for another team you belong to",
          body: SwitchTeamBody,
          response: withErrors({ 200: SessionView }),
        },
      },
      async (request) => {
        const teamId = teamIds.parse(request.body.teamId);
        return toSessionView(await accounts.switchTeam(sessionOf(request), teamId));
      },
    );

    app.get(
      "/v1/me",
      {
        config: { auth: "session" },
        schema: {
          tags: ["auth"],
          summary: "The signed-in user and their teams",
          response: withErrors({ 200: MeView }),
        },
      },
      async (request) => toMeView(await accounts.me(sessionOf(request))),
    );
  };
}
