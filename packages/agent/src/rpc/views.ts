import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type SandboxInfoSchema,
  type SandboxMetricsSchema,
  SandboxStatus,
} from "@wrenn/proto/hostagent/v1";
import type { SandboxRecord } from "../manager/sandbox.js";
import type { MetricSample } from "../metrics/sampler.js";

const STATUS: Record<SandboxRecord["status"], SandboxStatus> = {
  starting: SandboxStatus.STARTING,
  running: SandboxStatus.RUNNING,
  pausing: SandboxStatus.PAUSING,
  paused: SandboxStatus.PAUSED,
  resuming: SandboxStatus.RESUMING,
  stopping: SandboxStatus.STOPPING,
};

export function toSandboxInfo(record: SandboxRecord): MessageInitShape<typeof SandboxInfoSchema> {
  return {
    sandboxId: record.id,
    teamId: record.teamId,
    templateId: record.templateId,
    status: STATUS[record.status],
    vcpus: record.vcpus,
    memoryMib: record.memoryMiB,
    diskMib: record.diskMiB,
    startedAt: timestampFromDate(record.startedAt),
    endAt: timestampFromDate(record.endAt),
    autoPause: record.autoPause,
    hostAddress: record.slot?.sandboxAddress ?? "",
    metadata: record.metadata,
    network: record.network,
  };
}

export function toMetrics(sample: MetricSample): MessageInitShape<typeof SandboxMetricsSchema> {
  return {
    timestamp: timestampFromDate(sample.timestamp),
    cpuCount: sample.cpuCount,
    cpuUsedPct: sample.cpuUsedPct,
    memoryUsedBytes: BigInt(sample.memoryUsedBytes),
    memoryTotalBytes: BigInt(sample.memoryTotalBytes),
    memoryCacheBytes: BigInt(sample.memoryCacheBytes),
    diskUsedBytes: BigInt(sample.diskUsedBytes),
    diskTotalBytes: BigInt(sample.diskTotalBytes),
    netRxBytes: BigInt(sample.netRxBytes),
    netTxBytes: BigInt(sample.netTxBytes),
  };
}
