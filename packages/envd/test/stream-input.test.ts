import { Code, ConnectError } from "@connectrpc/connect";
import { type ProcessEvent, Signal, type StartResponse } from "@wrenn/proto/envd/process";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { processClient } from "./helpers/connect-client.js";
import { isAlive, type SandboxFixture, startSandbox } from "./helpers/sandbox.js";

type StreamInputInit = Parameters<ReturnType<typeof processClient>["streamInput"]>[0] extends
  | AsyncIterable<infer T>
  | undefined
  ? T
  : never;

/** Drains a Start/Connect stream in the background, recording what arrived. */
function collect(events: AsyncIterable<StartResponse | { event?: ProcessEvent }>) {
  const seen = {
    pid: 0,
    stdout: "",
    kinds: [] as string[],
    end: undefined as unknown,
    error: undefined as unknown,
  };
  const decoder = new TextDecoder();
  const done = (async () => {
    try {
      for await (const response of events) {
        const event = response.event?.event;
        if (!event?.case) continue;
        seen.kinds.push(event.case);
        if (event.case === "start") seen.pid = event.value.pid;
        if (event.case === "data" && event.value.output.case === "stdout") {
          seen.stdout += decoder.decode(event.value.output.value, { stream: true });
        }
        if (event.case === "end") seen.end = event.value;
      }
    } catch (error) {
      seen.error = error;
    }
  })();
  return { seen, done };
}

async function* inputs(...events: StreamInputInit[]): AsyncIterable<StreamInputInit> {
  yield* events;
}

const data = (text: string): StreamInputInit => ({
  event: {
    case: "data",
    value: { input: { input: { case: "stdin", value: new TextEncoder().encode(text) } } },
  },
});

describe.each(["2", "1.1"] as const)(
  "process service over a Connect client (HTTP/%s)",
  (httpVersion) => {
    let fx: SandboxFixture;
    let client: ReturnType<typeof processClient>;

    beforeAll(async () => {
      fx = await startSandbox();
      client = processClient({ baseUrl: fx.envd.url, token: fx.token, httpVersion });
    });
    afterAll(async () => {
      await fx.stop();
    });

    function startCat(options: { tag?: string; headers?: Record<string, string> } = {}) {
      return collect(
        client.start(
          { process: { cmd: "cat" }, stdin: true, ...(options.tag ? { tag: options.tag } : {}) },
          { headers: options.headers },
        ),
      );
    }

    it("StreamInput feeds stdin through a client stream; keepalives are ignored", async () => {
      const cat = startCat();
      await vi.waitFor(() => expect(cat.seen.pid).toBeGreaterThan(0));
      const pid = cat.seen.pid;
      const response = await client.streamInput(
        inputs(
          {
            event: { case: "start", value: { process: { selector: { case: "pid", value: pid } } } },
          },
          data("first "),
          { event: { case: "keepalive", value: {} } },
          data("second\n"),
        ),
      );
      expect(response.$typeName).toBe("process.StreamInputResponse");
      await vi.waitFor(() => expect(cat.seen.stdout).toBe("first second\n"));
      await client.closeStdin({ process: { selector: { case: "pid", value: pid } } });
      await cat.done;
      expect(cat.seen.end).toMatchObject({ exitCode: 0, exited: true, status: "exit status 0" });
      expect(cat.seen.kinds[0]).toBe("start");
      expect(cat.seen.kinds.at(-1)).toBe("end");
    });

    it("StreamInput refuses data before a start event", async () => {
      const call = client.streamInput(inputs(data("x")));
      await expect(call).rejects.toMatchObject({ code: Code.FailedPrecondition });
    });

    it("StreamInput answers not_found for an unknown pid", async () => {
      const call = client.streamInput(
        inputs({
          event: {
            case: "start",
            value: { process: { selector: { case: "pid", value: 999_999 } } },
          },
        }),
      );
      await expect(call).rejects.toMatchObject({ code: Code.NotFound });
    });

    it("selects processes by tag in List, Connect and StreamInput", async () => {
      const tag = `tagged-${httpVersion}`;
      const cat = startCat({ tag });
      await vi.waitFor(() => expect(cat.seen.pid).toBeGreaterThan(0));
      const listed = await client.list({});
      expect(listed.processes).toContainEqual(
        expect.objectContaining({
          pid: cat.seen.pid,
          tag,
          config: expect.objectContaining({ cmd: "cat" }),
        }),
      );
      const viewer = collect(
        client.connect({ process: { selector: { case: "tag", value: tag } } }),
      );
      await vi.waitFor(() => expect(viewer.seen.pid).toBe(cat.seen.pid));
      await client.streamInput(
        inputs(
          {
            event: { case: "start", value: { process: { selector: { case: "tag", value: tag } } } },
          },
          data("via tag\n"),
        ),
      );
      await vi.waitFor(() => expect(viewer.seen.stdout).toBe("via tag\n"));
      await client.closeStdin({ process: { selector: { case: "tag", value: tag } } });
      await Promise.all([cat.done, viewer.done]);
      expect(viewer.seen.end).toMatchObject({ exitCode: 0 });
    });

    it("SIGTERM ends a process with 'signal: terminated'", async () => {
      const cat = startCat();
      await vi.waitFor(() => expect(cat.seen.pid).toBeGreaterThan(0));
      await client.sendSignal({
        process: { selector: { case: "pid", value: cat.seen.pid } },
        signal: Signal.SIGTERM,
      });
      await cat.done;
      expect(cat.seen.end).toMatchObject({
        exitCode: -1,
        exited: false,
        status: "signal: terminated",
        error: "signal: terminated",
      });
    });

    it("sends keepalives when the process is quiet for Keepalive-Ping-Interval seconds", async () => {
      const cat = startCat({ headers: { "keepalive-ping-interval": "1" } });
      await vi.waitFor(() => expect(cat.seen.kinds).toContain("keepalive"), { timeout: 5_000 });
      expect(cat.seen.kinds[0]).toBe("start");
      await client.closeStdin({ process: { selector: { case: "pid", value: cat.seen.pid } } });
      await cat.done;
      expect(cat.seen.end).toMatchObject({ exitCode: 0 });
    });

    it("kills the process when Connect-Timeout-Ms passes and ends the stream with deadline_exceeded", async () => {
      const sleeper = collect(
        client.start({ process: { cmd: "sleep", args: ["30"] } }, { timeoutMs: 800 }),
      );
      await vi.waitFor(() => expect(sleeper.seen.pid).toBeGreaterThan(0));
      await sleeper.done;
      expect(sleeper.seen.error).toBeInstanceOf(ConnectError);
      expect((sleeper.seen.error as ConnectError).code).toBe(Code.DeadlineExceeded);
      await vi.waitFor(() => expect(isAlive(sleeper.seen.pid)).toBe(false));
    });

    it("runs a command without a shell, with args and stdin false", async () => {
      const run = collect(
        client.start({ process: { cmd: "printf", args: ["%s-%s", "a b", "c"] }, stdin: false }),
      );
      await run.done;
      expect(run.seen.stdout).toBe("a b-c");
      expect(run.seen.end).toMatchObject({ exitCode: 0 });
    });

    it("rejects a command that cannot be found with invalid_argument", async () => {
      const run = collect(client.start({ process: { cmd: "/no/such/binary" } }));
      await run.done;
      expect(run.seen.error).toMatchObject({ code: Code.InvalidArgument });
      expect(String((run.seen.error as Error).message)).toContain("/no/such/binary");
    });
  },
);
