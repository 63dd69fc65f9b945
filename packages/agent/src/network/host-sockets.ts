import { exec } from "../exec.js";

/**
 * Aborts every TCP socket of this host connected to `address` (`ss -K`, which needs
 * CONFIG_INET_DIAG_DESTROY), so no pool keeps one. A checkpoint ends the sandbox's
 * processes while CRIU holds the network locked, so their FINs never leave: without this,
 * keep-alive sockets to the slot's address (fetch, the relay's and the port proxy's agents)
 * would look open, and the first request on one after a resume, or to the next sandbox on
 * the same slot, would get ECONNRESET. Their owners see ECONNABORTED and drop them.
 */
export async function closeHostConnections(address: string, signal?: AbortSignal): Promise<void> {
  await exec(["ss", "-K", "-t", "-n", "dst", address], { signal });
}
