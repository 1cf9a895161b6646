"""The report's figures as PNG bytes (matplotlib, Agg; networkx for the dyad network).

Figures label parties with :func:`~arabic_events.analysis.report_data.plot_label`: the
canonical English name, or a transliteration marked ``~`` (matplotlib does not shape Arabic).
Needs the ``report`` extra (``pip install "arabic-events[report]"``).

    >>> png = timeline_png({"2020-09-28": {"CONSULT": 2}, "2020-10-05": {"CONSULT": 1, "AID": 1}})
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    >>> network_png({("Russia", "Turkey"): 3})[:4] == b"\\x89PNG"
    True
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from typing import Any

from arabic_events.analysis.report_data import plot_label

MISSING = "the report figures need matplotlib: pip install \"arabic-events[report]\""


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(MISSING) from None
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    """An inline ``data:`` URI of PNG bytes (the report embeds its figures, no external file).

    >>> data_uri(b"x")
    'data:image/png;base64,eA=='
    """
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def timeline_png(weekly: Mapping[str, Mapping[str, int]], title: str = "Events per type per week") -> bytes:
    """Stacked bars of events per type per week (``weekly`` as from
    :func:`~arabic_events.analysis.report_data.weekly_counts`), types ordered by total."""
    plt = _pyplot()
    import datetime as dt

    weeks = sorted(weekly)
    totals: dict[str, int] = {}
    for counts in weekly.values():
        for t, n in counts.items():
            totals[t] = totals.get(t, 0) + n
    fig, ax = plt.subplots(figsize=(9, 3.4))
    x = [dt.date.fromisoformat(w) + dt.timedelta(days=3) for w in weeks]  # bars centred on the week
    colors = plt.get_cmap("tab20").colors
    bottom = [0] * len(weeks)
    for k, t in enumerate(sorted(totals, key=lambda t: (-totals[t], t))):
        heights = [weekly[w].get(t, 0) for w in weeks]
        ax.bar(x, heights, width=6, bottom=bottom, color=colors[k % len(colors)], label=f"{t} ({totals[t]})")
        bottom = [b + h for b, h in zip(bottom, heights)]
    if not weeks:
        ax.text(0.5, 0.5, "no dated events", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    ax.set_ylabel("events")
    ax.set_xlabel("week (Monday to Sunday)")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if totals:
        ax.legend(fontsize=7, ncol=1 if len(totals) < 9 else 2, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


def network_graph(dyads: Mapping[tuple[str, str], int], max_nodes: int = 30) -> Any:
    """The dyad graph (networkx): nodes are figure labels of parties, edge ``weight`` the
    number of events. Pairs are added heaviest first while the parties fit in ``max_nodes``.

    >>> g = network_graph({("A", "B"): 3, ("B", "C"): 1, ("C", "D"): 1}, max_nodes=3)
    >>> sorted(g.edges(data="weight"))
    [('A', 'B', 3), ('B', 'C', 1)]
    """
    import networkx as nx

    g = nx.Graph()
    for (a, b), n in sorted(dyads.items(), key=lambda kv: (-kv[1], kv[0])):
        la, lb = plot_label(a), plot_label(b)
        if len(set(g.nodes) | {la, lb}) <= max_nodes:
            g.add_edge(la, lb, weight=g.get_edge_data(la, lb, {"weight": 0})["weight"] + n)
    return g


def component_layout(g: Any) -> dict[Any, tuple[float, float]]:
    """Node positions: each connected component laid out on its own (Kamada-Kawai, spring
    without scipy), the components side by side in rows, largest first (a spring layout of
    the whole graph pushes small components to the edges and squeezes the big ones).

    >>> import networkx as nx
    >>> pos = component_layout(nx.Graph([("a", "b"), ("c", "d")]))
    >>> sorted(pos), abs(pos["a"][0] - pos["c"][0]) > 1
    (['a', 'b', 'c', 'd'], True)
    """
    import networkx as nx

    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c))
    radii = [0.6 * len(c) ** 0.5 for c in comps]
    # a row is as wide as three of the largest component, or wider when there are many components
    budget = max(3 * (2 * radii[0] + 1), 1.5 * sum((2 * r + 1) ** 2 for r in radii) ** 0.5) if comps else 0
    pos: dict[Any, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for nodes, radius in zip(comps, radii):
        sub = g.subgraph(nodes)
        try:
            local = nx.kamada_kawai_layout(sub, scale=radius) if len(nodes) > 2 else nx.circular_layout(sub, scale=radius)
        except ImportError:  # Kamada-Kawai needs scipy
            local = nx.spring_layout(sub, seed=0, scale=radius)
        if x and x + 2 * radius > budget:
            x, y, row_height = 0.0, y - row_height - 1.0, 0.0
        for v, (px, py) in local.items():
            pos[v] = (float(px) + x + radius, float(py) + y - radius)
        x += 2 * radius + 1.0
        row_height = max(row_height, 2 * radius)
    return pos


def network_png(dyads: Mapping[tuple[str, str], int], max_nodes: int = 30,
                title: str = "Who talked to whom (CONSULT events)") -> bytes:
    """The dyad network: one node per party, one edge per pair, its width the number of events
    (written on it from 2 up); :func:`network_graph` picks the heaviest pairs, up to
    ``max_nodes`` parties."""
    plt = _pyplot()
    import networkx as nx

    g = network_graph(dyads, max_nodes)
    fig, ax = plt.subplots(figsize=(10, 6))
    ax.set_title(title)
    ax.axis("off")
    if not g.number_of_edges():
        ax.text(0.5, 0.5, "no CONSULT event with two parties", ha="center", va="center", transform=ax.transAxes)
        return _png(fig)
    pos = component_layout(g)
    weights = [g[a][b]["weight"] for a, b in g.edges()]
    top_w = max(weights)
    nx.draw_networkx_edges(g, pos, ax=ax, width=[0.8 + 5 * (w - 1) / max(1, top_w - 1) for w in weights],
                           edge_color="#8a9bb0", alpha=0.8)
    degree = dict(g.degree(weight="weight"))
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=[120 + 60 * degree[v] for v in g.nodes()], node_color="#ffb4a2",
                           edgecolors="#6d597a", linewidths=0.8)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=8)
    heavy = {(a, b): g[a][b]["weight"] for a, b in g.edges() if g[a][b]["weight"] > 1}  # 1 is the thinnest line
    nx.draw_networkx_edge_labels(g, pos, ax=ax, edge_labels=heavy, font_size=7, rotate=False)
    return _png(fig)
