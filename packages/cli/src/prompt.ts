import { CliError } from "./errors.js";

/**
 * Asks for a secret on the terminal without echoing it. Raw mode, so the key never shows on
 * screen or in scrollback; Enter ends it, Backspace edits, Ctrl-C or Ctrl-D cancels.
 */
export function promptSecret(options: {
  question: string;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}): Promise<string> {
  const { stdin, stderr } = options;
  stderr.write(options.question);
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (outcome: () => void) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write("\n");
      outcome();
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish(() => resolve(value));
        if (char === "\u0003" || char === "\u0004") {
          return finish(() => reject(new CliError("cancelled", { exitCode: 130 })));
        }
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/** The first line of a piped stdin (`echo $KEY | wrenn login`). */
export async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stdin) {
    text += Buffer.from(chunk).toString("utf8");
    if (text.includes("\n")) break;
  }
  return text.split("\n")[0]?.trim() ?? "";
}
