import { describe, expect, it } from "vitest";
import { parseSse } from "./sse.js";

async function collect(chunks: string[]) {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const events = [];
  for await (const event of parseSse(body())) events.push(event);
  return events;
}

describe("parseSse", () => {
  it("reads events split anywhere across chunks", async () => {
    const events = await collect([
      'event: started\ndata: {"pid":1}\n\nev',
      'ent: stdout\ndata: {"data":"a"}\n',
      '\nevent: exit\ndata: {"exitCode":0}\n\n',
    ]);
    expect(events).toEqual([
      { event: "started", data: '{"pid":1}' },
      { event: "stdout", data: '{"data":"a"}' },
      { event: "exit", data: '{"exitCode":0}' },
    ]);
  });

  it("joins data lines, skips comments, defaults the name and takes CRLF", async () => {
    expect(await collect([": hi\r\ndata: a\r\ndata: b\r\n\r\n"])).toEqual([
      { event: "message", data: "a\nb" },
    ]);
  });

  it("keeps a last event that has no blank line after it", async () => {
    expect(await collect(["event: exit\ndata: {}"])).toEqual([{ event: "exit", data: "{}" }]);
  });
});
