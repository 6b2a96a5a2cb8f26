"""Fail when the modules of `market` import each other in a cycle, counting imports inside functions too
(a function-level import only hides a cycle). Run by ./scripts/test; `python scripts/check_imports.py`."""
import sys

import grimp

# create_app wires every part together: the package's own __init__ is the one place allowed to import
# what imports from it.
ROOT = "market"


def strongly_connected(graph: grimp.ImportGraph) -> list[list[str]]:
    """Tarjan's algorithm over the module graph; the groups of more than one module are the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    modules = sorted(m for m in graph.modules if m != ROOT)

    def edges(module: str) -> list[str]:
        return sorted(m for m in graph.find_modules_directly_imported_by(module) if m != ROOT)

    for start in modules:
        if start in index:
            continue
        work = [(start, iter(edges(start)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def main() -> int:
    graph = grimp.build_graph(ROOT, cache_dir=None)
    cycles = strongly_connected(graph)
    for group in cycles:
        print("import cycle among:", ", ".join(group))
        for a in group:
            for b in group:
                if a != b and graph.direct_import_exists(importer=a, imported=b):
                    lines = [d["line_number"] for d in graph.get_import_details(importer=a, imported=b)]
                    print(f"  {a} -> {b} (line {', '.join(map(str, lines))})")
    if not cycles:
        print(f"import cycles: none among {len(graph.modules)} modules")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
