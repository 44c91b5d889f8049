"""``bridgework reach``: an organisation's reach (with names: the CLI runs with full access to the store) or the whole network's."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli_common import fail, opened_store
from api.services import reach as service
from network.domain import REGIONS, InvalidValue
from network.reach import CSV_LAYOUTS, TOP_PARTNERS, BadRange, NetworkReach, OrganisationReach, parse_month


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> object:
    if value is None:
        return None
    try:
        return parse_month(value)
    except BadRange as exc:
        raise click.BadParameter(exc.message) from None


@click.command("reach")
@click.argument("organisation_id", required=False)
@click.option("--network", "whole", is_flag=True, help="The whole network instead of one organisation.")
@click.option(
    "--hops", type=click.Choice(["1", "2"]), default="2", show_default=True, help="1: direct ties only; 2: also through one intermediate."
)
@click.option("--from", "first", callback=_month, metavar="YYYY-MM", help="First month of history (default: 11 months before --to).")
@click.option("--to", "last", callback=_month, metavar="YYYY-MM", help="Last month of history (default: this month).")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="With --network: write the tie matrix to FILE.")
@click.option("--layout", type=click.Choice(CSV_LAYOUTS), default="matrix", show_default=True, help="Tie matrix layout for --csv.")
def reach_command(
    organisation_id: str | None, whole: bool, hops: str, first: object, last: object, csv_file: Path | None, layout: str
) -> None:
    """Show ORGANISATION_ID's reach into the network, or with --network the network's (use --csv FILE for the tie matrix)."""
    if whole == (organisation_id is not None):
        fail("give either an ORGANISATION_ID or --network")
    if csv_file is not None and not whole:
        fail("--csv writes the network's tie matrix: use it with --network")
    with opened_store() as store:
        if whole:
            network = service.network_report(store)
            if csv_file is not None:
                text = service.tie_matrix_csv(store, layout)
        else:
            assert organisation_id is not None
            try:
                report = service.organisation_report(  # type: ignore[arg-type]
                    store, organisation_id, hops=int(hops), first=first, last=last, people_visible=True, sees_hidden=True
                )
            except InvalidValue as exc:
                fail(f"--{exc.field}: {exc.message}")
    if whole:
        for line in network_lines(network):
            click.echo(line)
        if csv_file is not None:
            try:
                csv_file.write_text(text, encoding="utf-8")
            except OSError as exc:
                fail(f"cannot write {csv_file}: {exc.strerror or exc}")
            click.echo(f"tie matrix ({layout}) written to {csv_file}")
    else:
        for line in organisation_lines(report):
            click.echo(line)


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def organisation_lines(report: service.OrganisationReport) -> list[str]:
    """The organisation report as lines of text."""
    r: OrganisationReach = report.reach
    o = r.organisation
    lines = [
        f"{o.name} ({o.id}, {REGIONS.get(o.region, o.region)}): reach within {r.hops} hop{'s' if r.hops == 2 else ''}",
        f"  assessors: {r.assessors}   isolated: {report.isolated_count}"
        f"   in an active set: {r.in_active_set} ({_pct(r.active_set_share)})",
        f"  organisations reached: {r.reached_direct} directly" + (f", {r.reached_within_two} within two hops" if r.hops == 2 else ""),
        f"  other regions reached directly: {', '.join(REGIONS.get(g, g) for g in r.regions_reached) or 'none'}",
    ]
    partners = r.partners(TOP_PARTNERS)
    if partners:
        lines.append(f"  top partners (of {r.reached_direct}):")
        lines += [
            f"    {p.name} ({p.organisation_id}, {REGIONS.get(p.region, p.region)}): {p.ties} tie{'s' if p.ties != 1 else ''}"
            f" through {p.via_assessors} of your assessor{'s' if p.via_assessors != 1 else ''}"
            for p in partners
        ]
    if r.bridges:
        lines.append("  bridging assessors (the only tie to ...):")
        org_names = {x.organisation_id: x.name for x in r.reached}
        for b in r.bridges:
            to = [*(org_names.get(i, i) for i in b.organisation_ids), *(f"region {REGIONS.get(g, g)}" for g in b.regions)]
            lines.append(f"    {b.name} ({b.assessor_id}): {', '.join(to)}")
    if r.isolated:
        lines.append("  isolated assessors, longest first:")
        for i in r.isolated:
            since = f"since {i.isolated_since:%Y-%m-%d}" if i.isolated_since else "since an unknown date"
            lines.append(f"    {i.name} ({i.assessor_id}), {since}" + (", alone in the organisation" if i.sole_in_organisation else ""))
    if report.history:
        lines.append("  month     assessors  isolated  cross ties  organisations reached")
        lines += [
            f"  {m.label}   {m.assessors:>9}  {m.isolated:>8}  {m.cross_ties:>10}  {m.organisations_reached:>21}" for m in report.history
        ]
    lines += [f"  {s}" for s in report.sentences]
    return lines


def network_lines(n: NetworkReach) -> list[str]:
    """The network report as lines of text."""
    names = {o.organisation_id: o.name for o in n.organisations}
    sizes = [len(c) for c in n.components]
    lines = [
        f"Network: {n.assessors} active assessors in {len(n.organisations)} organisations ({n.without_organisation} without one)",
        f"  isolated: {n.isolated} ({_pct(n.isolated_share)})   ties across organisations: {n.cross_ties}",
        f"  connected groups of organisations: {len(sizes)}" + (f" (largest {sizes[0]}; {sizes.count(1)} on their own)" if sizes else ""),
        "  region                      organisations  tied  assessors  isolated  connected  regions reached",
    ]
    lines += [
        f"  {REGIONS.get(g.region, g.region):<26}  {g.organisations:>13}  {g.organisations_tied:>4}  {g.assessors:>9}  {g.isolated:>8}"
        f"  {_pct(g.connected_share):>9}  {len(g.regions_reached):>15}"
        for g in n.regions
    ]
    pairs = sorted((t for t in n.ties if t.organisation_id != t.partner_id), key=lambda t: (-t.ties, t.organisation_id, t.partner_id))
    if pairs:
        lines.append("  most tied pairs of organisations:")
        lines += [
            f"    {names.get(t.organisation_id, t.organisation_id)} - {names.get(t.partner_id, t.partner_id)}: {t.ties}" for t in pairs[:10]
        ]
    lines += [f"  {s}" for s in n.sentences()]
    return lines
