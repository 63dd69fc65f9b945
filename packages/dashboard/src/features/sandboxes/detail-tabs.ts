/** The views of a sandbox's page, in tab order; the route keeps the open one in `?tab=`. */
export const DETAIL_TABS = ["terminal", "files", "processes", "metrics"] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];
