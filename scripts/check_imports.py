"""Fail when modules of `market` import each other in a cycle, counting imports inside functions too (a
function-level import only hides a cycle). Run by ./scripts/test, or alone: `python scripts/check_imports.py`."""
import sys

import grimp

# create_app (market/__init__.py) wires every part together: the package root may import what imports it.
ROOT = "market"


def cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Each cycle once, as the chain of modules from a direct import a -> b back to a."""
    found: dict[frozenset, tuple[str, ...]] = {}
    for importer in sorted(graph.modules - {ROOT}):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) - {ROOT}):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back and ROOT not in back:
                chain = (importer, *back)
                found.setdefault(frozenset(chain), chain)
    return list(found.values())


def main() -> int:
    graph = grimp.build_graph(ROOT, cache_dir=None)
    found = cycles(graph)
    for chain in found:
        print("import cycle: " + " -> ".join(chain))
    if not found:
        print(f"import cycles: none among {len(graph.modules)} modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
