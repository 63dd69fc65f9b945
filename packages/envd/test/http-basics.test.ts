import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectSdk,
  initEnvd,
  type RunningEnvd,
  startApiStandIn,
  startEnvd,
} from "./helpers/envd.js";

describe("envd HTTP basics", () => {
  let envd: RunningEnvd;
  let api: Awaited<ReturnType<typeof startApiStandIn>>;
  const token = "tok-basics-123";

  beforeAll(async () => {
    envd = await startEnvd();
    api = await startApiStandIn();
    await initEnvd(envd, { accessToken: token, envVars: { FOO: "bar" }, defaultUser: "user" });
  });
  afterAll(async () => {
    await envd.stop();
    await api.close();
  });

  it("answers /health with 204 without a token", async () => {
    const res = await fetch(`${envd.url}/health`);
    expect(res.status).toBe(204);
  });

  it("reports running through the SDK", async () => {
    const sandbox = await connectSdk(envd, api, token);
    expect(await sandbox.isRunning()).toBe(true);
  });

  it("serves /envs only with the access token", async () => {
    const denied = await fetch(`${envd.url}/envs`);
    expect(denied.status).toBe(401);
    expect(await denied.json()).toMatchObject({ code: 401 });
    const wrong = await fetch(`${envd.url}/envs`, { headers: { "x-access-token": "nope" } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${envd.url}/envs`, { headers: { "x-access-token": token } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ FOO: "bar" });
  });

  it("rejects Connect calls without the token with 401", async () => {
    const res = await fetch(`${envd.url}/process.Process/List`, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{}",
    });
    expect(res.status).toBe(401);
  });

  it("refuses to change the token through /init without the current one", async () => {
    const res = await fetch(`${envd.url}/init`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accessToken: "stolen" }),
    });
    expect(res.status).toBe(401);
    const still = await fetch(`${envd.url}/envs`, { headers: { "x-access-token": token } });
    expect(still.status).toBe(200);
  });

  it("rejects a malformed /init body with 400 and keeps running", async () => {
    const res = await fetch(`${envd.url}/init`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-access-token": token },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect((await res.json()) as { message: string }).toMatchObject({ code: 400 });
    expect((await fetch(`${envd.url}/health`)).status).toBe(204);
  });

  it("answers CORS preflights", async () => {
    const res = await fetch(`${envd.url}/process.Process/Start`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-access-token, content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-allow-headers")).toContain("x-access-token");
  });

  it("answers unknown paths with a JSON 404", async () => {
    const res = await fetch(`${envd.url}/nope`, { headers: { "x-access-token": token } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 404 });
  });
});
