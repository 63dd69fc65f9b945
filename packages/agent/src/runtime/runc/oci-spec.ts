import type { SandboxSpec } from "../driver.js";
import { SECCOMP_PROFILE } from "./seccomp.js";

const MiB = 1024 * 1024;
const CPU_PERIOD_US = 100_000;

// What envd needs as root to act for any user and manage files; everything else (MKNOD,
// NET_RAW, SYS_ADMIN, …) is dropped. Processes run as `user` lose these at setuid.
const CAPABILITIES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_AUDIT_WRITE",
];

/** The OCI runtime spec (config.json) of one sandbox. */
export function buildOciSpec(
  spec: SandboxSpec,
  options: { criuConfigPath?: string } = {},
): Record<string, unknown> {
  return {
    ociVersion: "1.0.2",
    // runc hands this file to CRIU on checkpoint and restore (its default is /etc/criu/runc.conf).
    ...(options.criuConfigPath
      ? { annotations: { "org.criu.config": options.criuConfigPath } }
      : {}),
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: spec.args,
      env: spec.env,
      cwd: "/",
      capabilities: {
        bounding: CAPABILITIES,
        effective: CAPABILITIES,
        permitted: CAPABILITIES,
      },
      noNewPrivileges: true,
    },
    root: { path: spec.rootfsDir, readonly: false },
    hostname: "sandbox",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      {
        destination: "/dev/mqueue",
        type: "mqueue",
        source: "mqueue",
        options: ["nosuid", "noexec", "nodev"],
      },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
      {
        destination: "/sys/fs/cgroup",
        type: "cgroup",
        source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
      },
      ...spec.readonlyBinds.map((bind) => ({
        destination: bind.destination,
        type: "bind",
        source: bind.source,
        options: ["bind", "ro", "nosuid", "nodev"],
      })),
    ],
    linux: {
      resources: {
        devices: [{ allow: false, access: "rwm" }],
        memory: { limit: spec.memoryMiB * MiB, swap: spec.memoryMiB * MiB },
        pids: { limit: spec.pidsLimit },
        cpu: { quota: Math.round(spec.vcpus * CPU_PERIOD_US), period: CPU_PERIOD_US },
      },
      namespaces: [
        { type: "pid" },
        { type: "network", path: spec.netnsPath },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
      ],
      cgroupsPath: `/wrenn/${spec.id}`,
      seccomp: SECCOMP_PROFILE,
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}
