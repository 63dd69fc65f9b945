import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Authenticated encryption (AES-256-GCM) for values stored at rest, such as env vars. */
export interface SecretBox {
  seal(plaintext: string): string;
  /** Throws when the value was tampered with or sealed under another key. */
  open(sealed: string): string;
}

export function createSecretBox(secret: string): SecretBox {
  // A derived key, so the configured secret never touches AES directly and has no length rule.
  const key = Buffer.from(hkdfSync("sha256", secret, "wrenn", "secret-box v1", 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const packed = Buffer.concat([iv, cipher.getAuthTag(), body]);
      return `${VERSION}.${packed.toString("base64url")}`;
    },
    open(sealed) {
      const [version, payload] = sealed.split(".");
      if (version !== VERSION || payload === undefined) throw new Error("not a sealed value");
      const packed = Buffer.from(payload, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", key, packed.subarray(0, IV_BYTES));
      decipher.setAuthTag(packed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const body = packed.subarray(IV_BYTES + TAG_BYTES);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    },
  };
}
