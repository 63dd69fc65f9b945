import { PLATFORM_TEAM_UUID, type Uuid } from "@wrenn/shared";

/** Rows seeded by migration 0001_seed_platform.sql; keep the two in step. */
export const PLATFORM_TEAM = { id: PLATFORM_TEAM_UUID, slug: "000000000000" } as const;
export const BASE_TEMPLATE = { id: "00000000-0000-0000-0000-000000000001" as Uuid, name: "base" };
