/** The path as links to each of its ancestors; the last part is the current folder. */
export function Breadcrumbs({
  path,
  onNavigate,
}: {
  path: string;
  onNavigate: (path: string) => void;
}) {
  const parts = path.split("/").filter(Boolean);
  const crumbs = [
    { name: "/", path: "/" },
    ...parts.map((name, i) => ({ name, path: `/${parts.slice(0, i + 1).join("/")}` })),
  ];
  return (
    <nav aria-label="Folder path" className="min-w-0 overflow-x-auto">
      <ol className="flex items-center gap-1 font-mono text-xs">
        {crumbs.map((crumb, index) => {
          const last = index === crumbs.length - 1;
          return (
            <li key={crumb.path} className="flex items-center gap-1">
              {index > 1 && (
                <span aria-hidden="true" className="text-muted">
                  /
                </span>
              )}
              {last ? (
                <span aria-current="location" className="font-semibold">
                  {crumb.name}
                </span>
              ) : (
                <button
                  type="button"
                  className="text-accent hover:underline"
                  onClick={() => onNavigate(crumb.path)}
                >
                  {crumb.name}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
