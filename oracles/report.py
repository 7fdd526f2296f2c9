"""The report: one object, rendered as a terminal table, JSON, Markdown or a PNG plot (the formats
themselves are declared in :mod:`oracles.formats`)."""
from __future__ import annotations

import html
import io
import json
import math
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from oracles import registry

PLOT_FLOOR = 1e-6  # the plot's log axis starts here: an exact match draws as this short bar
OUTPUT_LINES = 5  # the first lines of what the candidate printed, shown in the report
OUTPUT_BYTES = 2**16  # the JSON's "output": every line printed at a point, whole, up to 64 KiB (UTF-8)


@dataclass
class PointResult:
    name: str
    about: str = ""
    losses: dict = field(default_factory=dict)  # source -> loss
    loss_agrees: dict = field(default_factory=dict)  # source -> agrees with the reference's loss
    checks: dict = field(default_factory=dict)  # param -> oracle -> Check
    agreement: list = field(default_factory=list)  # (oracle, oracle, agree)
    violation: str | None = None  # the candidate broke its contract
    nondeterministic: str | None = None  # two calls on the same inputs differed
    output: str = ""  # what the candidate printed here
    diagnosis: list = field(default_factory=list)
    fd_mode: str = "exhaustive (every entry)"
    findings: list = field(default_factory=list)  # oracles.mistakes.Finding: ids, words, kind
    hypotheses: object = None  # the diagnosis's evidence (oracles.diagnosis.Diagnosis), for reconcile
    accepted: bool = False  # every failed check is explained by a convention of the lesson's (a note)

    LOSS_BASE = "reference"  # the loss every other is held to (a family of its own names its own)
    KINK_WORDS = {"subgradient": "by a subgradient interval (a pre-activation exactly at 0)",
                  "near_kink": "by a finite-difference step that does not cross a nearby kink"}

    @property
    def passed(self) -> bool:
        return (self.violation is None and self.nondeterministic is None and all(self.loss_agrees.values())
                and (self.accepted or all(c.passed for per in self.checks.values() for c in per.values())))

    @property
    def notes(self) -> list:
        return [f.text for f in self.findings if f.kind == "note"]

    def add(self, found) -> None:
        """Record a finding, or a whole diagnosis: its findings' words go into ``diagnosis`` (notes
        into ``notes``); a diagnosis that is only notes accepts the failed checks."""
        if hasattr(found, "held"):
            self.hypotheses = found
            items = found.findings
            self.accepted = bool(items) and all(f.kind == "note" for f in items)
        else:
            items = [found]
        self.findings += items
        self.diagnosis += [f.text for f in items if f.kind != "note" and f.text not in self.diagnosis]

    def failures(self) -> list:
        return [c for per in self.checks.values() for c in per.values() if not c.passed]

    def verdict_lines(self) -> list:
        """What went wrong and why, in words (empty when the point passes): :meth:`failure_lines`,
        then each cause of the diagnosis and each note."""
        return (self.failure_lines() + [f"diagnosis: {d}" for d in self.diagnosis]
                + [f"note: {n}" for n in self.notes])

    def failure_lines(self) -> list:
        """What went wrong, without why: the contract, determinism, the losses and each failing parameter."""
        lines = []
        if self.violation:
            lines.append(f"contract: {self.violation}")
        if self.nondeterministic:
            lines.append(self.nondeterministic)
        for source, ok in self.loss_agrees.items():
            if not ok:
                lines.append(f"loss: {source} {self.losses[source]:.12g} vs {self.LOSS_BASE} "
                             f"{self.losses[self.LOSS_BASE]:.12g}")
        failures = self.failures()
        for param, per in self.checks.items():
            failed = [c for c in per.values() if not c.passed]
            if failed:  # one line per parameter: the worst entry against the first failing oracle
                others = ", ".join(c.oracle for c in failed[1:])
                lines.append(failed[0].line() + (f" (also against {others})" if others else ""))
        if failures:
            lines.append(self.consensus_line())
        return lines

    COLUMNS = ("param", "oracle", "verdict", "max abs err", "max rel err", "worst entry", "oracle value",
               "yours", "over tol", "subgradient", "near kink")

    def table(self) -> dict:
        """Every check the point's table shows, ``{name: {oracle: Check}}``: the one table model every
        rendering reads (a family may show more than the gradients: a layer's outputs)."""
        return self.checks

    def rows(self) -> list:
        """One row of cells per (parameter, oracle) of :meth:`table`."""
        return [(c.name, o, _verdict(c, self), f"{c.max_abs_err:.2e}", f"{c.max_rel_err:.2e}", c.entry,
                 f"{c.oracle_value:.6g}", f"{c.candidate_value:.6g}",
                 str(c.over_tolerance), str(c.subgradient), str(c.near_kink))
                for per in self.table().values() for o, c in per.items()]

    def loss_line(self) -> str:
        return "loss  " + "   ".join(
            f"{k} {v:.12g}" + ("" if k == self.LOSS_BASE else (" ok" if self.loss_agrees.get(k) else " DIFFERS"))
            for k, v in self.losses.items())

    def kink_counts(self) -> dict:
        """Per parameter: entries decided by a subgradient interval and by a near-kink step, and the
        value at 0 the candidate appears to use (from the first oracle that read one)."""
        out = {}
        for k, per in self.checks.items():
            values = [c.kink_value for c in per.values() if c.kink_value]
            out[k] = {"subgradient": max((c.subgradient for c in per.values()), default=0),
                      "near_kink": max((c.near_kink for c in per.values()), default=0),
                      "kink_value": values[0] if values else None}
        return out

    def _written(self, key: str) -> str:
        """A parameter's gradient named as the candidate wrote it (``dW1``), else its canonical key."""
        return next((c.name for c in self.checks[key].values() if c.as_written), key)

    def kink_line(self) -> str:
        """How the entries at or near a kink were decided, in words (empty when there are none)."""
        counts = self.kink_counts()
        parts = []
        for what, words in self.KINK_WORDS.items():
            n = {k: c[what] for k, c in counts.items() if c[what]}
            if n:
                parts.append(f"{sum(n.values())} decided {words} (" + ", ".join(f"{self._written(k)} {v}" for k, v in n.items()) + ")")
        if not parts:
            return ""
        values = {c["kink_value"] for c in counts.values() if c["kink_value"]}
        value = "" if not values else (f"; the candidate's relu'(0) reads as {values.pop()}" if len(values) == 1
                                       else "; the candidate's relu'(0) reads as mixed")
        return "kinks: " + "; ".join(parts) + value + "; none excused"

    def consensus_line(self) -> str:
        failed = {c.oracle for c in self.failures()}
        oracles = {o for per in self.checks.values() for o in per}
        if self.agreement and all(ok for *_, ok in self.agreement) and failed == oracles:
            names = ", ".join(registry.words(o) for o in sorted(oracles))
            return f"{names} agree with each other but not with the candidate: the candidate is wrong"
        split = [f"{registry.words(a)} vs {registry.words(b)}" for a, b, ok in self.agreement if not ok]
        if split:
            return f"the oracles disagree among themselves ({', '.join(split)}): suspect the spec or the harness"
        return f"disagrees with: {', '.join(registry.words(o) for o in sorted(failed))}"

    def to_dict(self) -> dict:
        return {
            "name": self.name, "about": self.about, "passed": self.passed,
            "loss": {k: v for k, v in self.losses.items()},
            "loss_agrees": self.loss_agrees,
            "violation": self.violation,
            "nondeterministic": self.nondeterministic,
            "parameters": [{"name": k, "shape": None, "checks": {o: c.to_dict() for o, c in per.items()}}
                           for k, per in self.checks.items()],
            "agreement": [{"oracles": [a, b], "agree": ok} for a, b, ok in self.agreement],
            "diagnosis": self.diagnosis,
            "output": _bounded_lines(self.output, OUTPUT_BYTES),
            "kinks": self.kink_counts(),
            "findings": [f.to_dict() for f in self.findings],
            "accepted": self.accepted,
        }


COMPACT = ("oracle", "verdict", "worst entry", "oracle value", "yours", "over tol")  # the entry names the param


def _table(console, columns, rows, width: int):
    """A rich table at its natural width, never squeezed: where that is wider than ``width`` (a
    narrow terminal), only the columns that locate the error (``COMPACT``), whole."""
    for keep in (columns, [c for c in columns if c in COMPACT]):
        table = Table(show_edge=False, pad_edge=False, box=None)
        for col in keep:
            table.add_column(col, justify="left" if col in ("param", "oracle", "verdict", "worst entry") else "right",
                             no_wrap=True)
        for row in rows:
            table.add_row(*(cell for col, cell in zip(columns, row) if col in keep))
        if console.measure(table).maximum <= width:
            break
    return table


def text_console(buffer, width: int) -> Console:
    """A rich console that writes plain text into ``buffer`` whatever the environment: in a
    notebook's kernel rich would otherwise display each print as an output of its own. No markup
    and no highlighting: everything a candidate produces prints as it is."""
    return Console(file=buffer, width=width, force_terminal=False, force_jupyter=False, color_system=None,
                   markup=False, highlight=False)  # every string is data: a candidate's [/x] prints as is


def _bounded_lines(text: str, limit: int) -> list:
    """Every line of ``text``, whole, while they fit in ``limit`` bytes of UTF-8; where they do
    not, a last line says where the output was cut and how much of it is left out."""
    lines, used = text.splitlines(), 0
    for i, line in enumerate(lines):
        size = len(line.encode("utf-8", "replace")) + 1
        if used + size > limit:
            rest = sum(len(x.encode("utf-8", "replace")) + 1 for x in lines[i:])
            return lines[:i] + [f"[... output cut at {limit // 1024} KiB: {len(lines) - i:,} more lines, "
                                f"{rest:,} bytes]"]
        used += size
    return lines


def _first_lines(text: str, n: int) -> list:
    return [line[:200] for line in text.splitlines()[:n]]


def _verdict(check, point, fail: str = "FAIL") -> str:
    """A check's verdict word: OK, FAIL, or "OK (note)" where a convention of the lesson's explains it."""
    return "OK" if check.passed else ("OK (note)" if point.accepted else fail)


def _finite(obj):
    """JSON has no inf/nan: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


@dataclass
class Report:
    data: dict
    spec: dict
    candidate: str
    oracles: list
    points: list
    timings_s: dict
    versions: dict
    fuzz: dict | None = None
    bug_zoo: dict | None = None
    notes: list = field(default_factory=list)
    fd_mode: str | None = None  # which finite-difference mode ran, if any
    convention: dict | None = None  # the candidate's layout: name, key_style, {param: (name, shape)} as written

    KIND = "check"  # what oracles.formats renders it as (oracles.formats.CHECK)

    @property
    def passed(self) -> bool:
        return (all(p.passed for p in self.points)
                and (self.fuzz is None or self.fuzz.get("passed", False))
                and (self.bug_zoo is None or self.bug_zoo.get("passed", False)))

    def exit_code(self) -> int:
        return 0 if self.passed else 1

    # ------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        from reference.model import Spec

        shapes = Spec(**self.spec).shapes()
        points = []
        for p in self.points:
            d = p.to_dict()
            for row in d["parameters"]:
                row["shape"] = list(shapes[row["name"]])
                if self.convention is not None:
                    name, shape = self.convention["parameters"][row["name"]]
                    row["as_written"] = {"name": name, "shape": list(shape)}
            points.append(d)
        return _finite({
            "passed": self.passed, "candidate": self.candidate, "data": self.data, "spec": self.spec,
            "oracles": self.oracles, "fd_mode": self.fd_mode, "points": points, "fuzz": self.fuzz, "bug_zoo": self.bug_zoo,
            "timings_s": self.timings_s, "versions": self.versions, "notes": self.notes,
            **({"convention": {"name": self.convention["name"], "key_style": self.convention["key_style"]}}
               if self.convention is not None else {}),
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def output_lines(self) -> list:
        """What the candidate printed (stdout and stderr, every point), as a few labelled lines."""
        lines = [line for p in self.points for line in p.output.splitlines()]
        if not lines:
            return []
        shown = _first_lines("\n".join(lines), OUTPUT_LINES)
        more = f", first {len(shown)}" if len(lines) > len(shown) else ""
        return [f"{self.candidate} printed {len(lines)} line{'s' if len(lines) != 1 else ''}{more}:"] + \
               [f"  | {line}" for line in shown]

    # ------------------------------------------------------------ text
    def header(self) -> str:
        d, s = self.data, self.spec
        if d.get("outcome_counts") is not None:
            target = "outcome " + ", ".join(f"{k}: {v}" for k, v in d["outcome_counts"].items())
        else:
            low, high = d.get("target_range", (float("nan"), float("nan")))
            target = f"target {low:g} .. {high:g}"
        head = ""
        if (s.get("loss", "bce"), s.get("reduction", "mean"), s.get("l2", 0.0)) != ("bce", "mean", 0.0):
            l2 = f" l2 {s['l2']:g} ({s['l2_form']})" if s.get("l2") else ""
            head = f" | head {s['loss']} {s['reduction']}{l2}"
        where = f"the packaged {d['packaged']} data" if d.get("packaged") else d["source"]
        return (f"candidate {self.candidate} | data {where} ({d['rows']} rows, {d['features']} "
                f"features; {target}) | network {'-'.join(map(str, s['sizes']))} "
                f"{s['activation']} {s['dtype']}{'' if s.get('bias', True) else ' no biases'}{head}")

    def verdict(self) -> str:
        if self.passed:
            return "PASS: every check agrees"
        failed = [f"point {p.name}" for p in self.points if not p.passed]
        if self.fuzz is not None and not self.fuzz.get("passed"):
            failed.append("fuzz")
        if self.bug_zoo is not None and not self.bug_zoo.get("passed"):
            failed.append("bug zoo")
        return "FAIL: " + ", ".join(failed)

    def to_text(self, width: int = 120) -> str:
        """The terminal report: a table per point, then what failed and why.

        Prose lines are never wrapped (a pipe or a narrow terminal gets them whole); table cells
        never split a number: at ``width`` too small for a table, its text columns fold instead.
        """
        buffer = io.StringIO()
        console = text_console(buffer, max(width, 400))
        console.print(self.header(), soft_wrap=True)
        if self.fd_mode:
            console.print(f"finite differences: {self.fd_mode}", soft_wrap=True)
        for note in self.notes:
            console.print(f"note: {note}", soft_wrap=True)
        for line in self.output_lines():
            console.print(line, soft_wrap=True, markup=False, highlight=False)
        for p in self.points:
            console.print(f"\npoint {p.name}: {p.about}", soft_wrap=True)
            console.print(p.loss_line(), soft_wrap=True)
            if p.checks:
                console.print(_table(console, p.COLUMNS, p.rows(), width))
                if p.kink_line():
                    console.print(p.kink_line(), soft_wrap=True)
            for line in p.verdict_lines():
                console.print(f"  {line}", soft_wrap=True)
        if self.fuzz is not None:
            console.print(f"\nfuzz: {self.fuzz.get('summary', self.fuzz)}", soft_wrap=True)
        if self.bug_zoo is not None:
            console.print("\n" + self.bug_zoo.get("matrix_text", ""), soft_wrap=True)
        console.print("\ntimings (s): " + ", ".join(f"{k} {v:.3f}" for k, v in self.timings_s.items()), soft_wrap=True)
        console.print("versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()), soft_wrap=True)
        console.print(self.verdict())
        return buffer.getvalue()

    # ------------------------------------------------------------ Markdown
    def to_markdown(self) -> str:
        out = [f"# compare-frameworks: {'PASS' if self.passed else 'FAIL'}", "", self.header(), ""]
        if self.fd_mode:
            out += [f"finite differences: {self.fd_mode}", ""]
        out += [f"> note: {n}" for n in self.notes]
        printed = self.output_lines()
        if printed:
            out += ["", printed[0], "", "```"] + [line[4:] for line in printed[1:]] + ["```", ""]
        for p in self.points:
            out += [f"## {p.name}", "", p.about, "",
                    "| source | loss | agrees |", "|---|---|---|"]
            out += [f"| {k} | {v:.12g} | {'' if k == p.LOSS_BASE else ('yes' if p.loss_agrees.get(k) else 'NO')} |"
                    for k, v in p.losses.items()]
            if p.checks:
                out += ["", "| " + " | ".join(p.COLUMNS) + " |", "|" + "---|" * len(p.COLUMNS)]
                out += ["| " + " | ".join(f"**{c}**" if c == "FAIL" else c for c in row) + " |" for row in p.rows()]
                if p.kink_line():
                    out += ["", p.kink_line()]
            lines = p.verdict_lines()
            if lines:
                out += [""] + [f"- {line}" for line in lines]
            out.append("")
        if self.fuzz is not None:
            out += ["## fuzz", "", "```", str(self.fuzz.get("summary", "")), "```", ""]
        if self.bug_zoo is not None:
            out += ["## bug zoo", "", self.bug_zoo.get("matrix_markdown", ""), ""]
        out += ["timings (s): " + ", ".join(f"{k} {v:.3f}" for k, v in self.timings_s.items()), "",
                "versions: " + ", ".join(f"{k} {v}" for k, v in self.versions.items()), ""]
        return "\n".join(out)

    # ------------------------------------------------------------ notebook
    def _repr_pretty_(self, printer, cycle) -> None:
        """In a terminal IPython: the text table, as the CLI prints it."""
        import shutil

        printer.text(self.to_text(width=shutil.get_terminal_size((120, 24)).columns))

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        """The verdict first and large, then per point the table, the diagnosis and the kinks line."""
        esc = html.escape
        colour = "#1a7f37" if self.passed else "#cf222e"
        out = [f'<div class="backprop-report"><h2 style="color:{colour}">{esc(self.verdict())}</h2>',
               f"<p>{esc(self.header())}</p>"]
        if self.fd_mode:
            out.append(f"<p>finite differences: {esc(self.fd_mode)}</p>")
        out += [f"<p><em>note: {esc(n)}</em></p>" for n in self.notes]
        printed = self.output_lines()
        if printed:
            out.append(f"<p>{esc(printed[0])}</p><pre>" + esc("\n".join(line[4:] for line in printed[1:])) + "</pre>")
        for p in self.points:
            out.append(f"<h3>{esc(p.name)}: {'pass' if p.passed else 'FAIL'}</h3><p>{esc(p.about)}</p>")
            out.append(f"<p><code>{esc(p.loss_line())}</code></p>")
            if p.checks:
                out.append("<table><thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in p.COLUMNS) + "</tr></thead><tbody>")
                for row in p.rows():
                    style = ' style="color:#cf222e;font-weight:bold"' if row[2] == "FAIL" else ""
                    out.append(f"<tr{style}>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
                out.append("</tbody></table>")
                if p.kink_line():
                    out.append(f"<p>{esc(p.kink_line())}</p>")
            lines = p.verdict_lines()
            if lines:
                out.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>")
        if self.fuzz is not None:
            out.append(f"<h3>fuzz</h3><pre>{esc(str(self.fuzz.get('summary', '')))}</pre>")
        out.append("</div>")
        return "\n".join(out)

    # ------------------------------------------------------------ plot
    def plot(self, path=None):
        """Where the error is: per point and parameter, |g - o| over its tolerance entry by entry
        (the worst over the oracles, named in each panel's title), on a log colour scale whose
        middle, 1, is the tolerance.

        A wrong unit shows as a column of W1, a wrong feature as a row, a transpose as a pattern;
        a bias (1, H) is a strip; entries a subgradient interval decided (a pre-activation exactly
        at 0) are marked x. Returns the matplotlib figure, closed from pyplot so that a notebook
        shows it once (as the cell's result); with ``path``, also writes it there (png, pdf or svg
        by the suffix).
        """
        import sys

        import matplotlib

        if path is not None and "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")  # a file only: no window (a notebook's backend is left alone)
        import matplotlib.pyplot as plt
        import numpy as np
        from matplotlib.colors import TwoSlopeNorm
        from matplotlib.ticker import FuncFormatter

        points = [p for p in self.points if p.checks] or self.points[:1]
        params = list(points[0].checks) if points and points[0].checks else []
        # "pragma: no mutate" marks the drawing's look (sizes, fonts, ticks, resolution): no behaviour to test
        size = (2.6 * max(1, len(params)) + 1, 3.0 * len(points) + 0.8)  # pragma: no mutate
        widths = [_panel_width(points[0].checks[k]) for k in params] or [1]  # a column vector: a narrow panel
        fig, axes = plt.subplots(len(points), max(1, len(params)), squeeze=False, figsize=size,
                                 gridspec_kw={"width_ratios": widths}, layout="constrained")  # pragma: no mutate
        worst = max([float(c.ratios[np.isfinite(c.ratios)].max()) for p in points for per in p.checks.values()
                     for c in per.values() if c.ratios is not None and np.isfinite(c.ratios).any()] + [10.0])
        floor = float(np.log10(PLOT_FLOOR))
        norm = TwoSlopeNorm(vmin=floor, vcenter=0.0, vmax=max(1.0, float(np.log10(worst))))  # 0: the tolerance
        image = None
        for row, p in zip(axes, points):
            for ax, k in zip(row, params):
                checks = list(p.checks[k].values())
                ratios = np.stack([c.ratios for c in checks])  # (oracles, *shape); inf where non-finite
                kink = np.any([c.at_kink for c in checks], axis=0)  # decided by a subgradient interval
                grid = np.clip(np.nan_to_num(ratios.max(axis=0), nan=0.0, posinf=worst), PLOT_FLOOR, None)
                grid = np.atleast_2d(grid)
                image = ax.imshow(np.log10(grid), norm=norm,
                                  cmap="RdYlGn_r", aspect="equal", interpolation="nearest")  # pragma: no mutate
                ax.set_xticks(range(0, grid.shape[1], max(1, grid.shape[1] // 4)))  # pragma: no mutate
                ax.set_yticks(range(0, grid.shape[0], max(1, grid.shape[0] // 4)))  # pragma: no mutate
                ys, xs = np.nonzero(np.atleast_2d(kink))
                ax.scatter(xs, ys,
                           marker="x", color="black", s=20, linewidths=1)  # pragma: no mutate
                over = int((grid > 1).sum())
                failed = [registry.words(c.oracle) for c in checks if not c.passed]
                status = (f"{over} over tolerance\nvs {', '.join(failed)}" if over else
                          f"entries within tolerance,\nwrong as a whole vs {', '.join(failed)}" if failed else
                          "within tolerance")  # float32's whole-parameter rule fails with no entry over
                ax.set_title(f"{p.name} {p._written(k)} {grid.shape[0]}x{grid.shape[1]}\n" + status,
                             fontsize=8,  # pragma: no mutate
                             color="#cf222e" if over or failed else "black")
                ax.tick_params(labelsize=6)  # pragma: no mutate
        if image is not None:
            bar = fig.colorbar(image, ax=axes.ravel().tolist(),
                               shrink=0.8)  # pragma: no mutate
            bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{10 ** v:g}"))
            bar.set_label(COLOUR_BAR, fontsize=8)  # pragma: no mutate
        fig.suptitle(self.plot_title(), fontsize=9)  # pragma: no mutate
        plt.close(fig)  # the caller holds the figure; pyplot would show it a second time in a notebook
        if path is not None:
            fig.savefig(path,
                        dpi=100)  # pragma: no mutate
        return fig

    def plot_title(self) -> str:
        """The plot's title: the verdict, the candidate by its file's name, the network, and which
        oracles each entry's colour is the worst of."""
        oracles = ", ".join(registry.words(o) for o in self.oracles)
        return (f"{self.verdict()} | {_short_name(self.candidate)} ({'-'.join(map(str, self.spec['sizes']))} "
                f"{self.spec['activation']} {self.spec['dtype']})\neach entry: the worst error over tolerance of "
                f"{oracles or 'no oracle'}")


COLOUR_BAR = "error / tolerance (above 1 fails; x: decided at a kink)"


def _panel_width(per: dict) -> int:
    """A parameter's panel's share of the figure's width: its columns (at least 4, so its title
    fits), so with square cells a bias (1, H) is a strip and a column vector a narrow column."""
    check = next(iter(per.values()))
    shape = check.ratios.shape if check.ratios is not None else (1,)
    return max(4, shape[-1] if len(shape) > 1 else shape[0])


def _short_name(candidate: str) -> str:
    """``/home/me/hw/backprop.py:backward`` as ``backprop.py:backward``: the file's name, not its path."""
    import os

    source, sep, attr = candidate.rpartition(":")
    if sep and ("/" in source or os.sep in source):
        return f"{os.path.basename(source)}:{attr}"
    return candidate
