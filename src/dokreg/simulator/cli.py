"""`dokreg simulate`: serve a simulated corpus on loopback until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from dokreg.errors import DokregError
from dokreg.simulator.corpus import FILE_MODES, Corpus, CorpusConfig
from dokreg.simulator.server import SimulatorServer


def _sites() -> dict:
    from dokreg.simulator.riigikantselei import RiigikantseleiSite
    from dokreg.simulator.riigikogu import RiigikoguSite
    from dokreg.simulator.rmk import RmkSite
    from dokreg.simulator.tallinn import TallinnSite

    return {
        "adr": None,
        "rmk": RmkSite,
        "riigikantselei": RiigikantseleiSite,
        "riigikogu": RiigikoguSite,
        "tallinn": TallinnSite,
    }


SITES = _sites()


def simulate_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dokreg simulate",
        description="Serve simulated registers of one platform family on loopback (ADR: every body; "
        "the other families: the first body, in that family's own format).",
    )
    parser.add_argument(
        "--family", choices=sorted(SITES), default="adr", help="platform family (default adr)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--bodies", type=int, default=3, help="number of bodies (registers)")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--docs-per-day", type=int, default=20)
    parser.add_argument("--big-day-every", type=int, default=4, help="every n-th day has 130-250 documents")
    parser.add_argument("--ak-share", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=date.fromisoformat, default=CorpusConfig.start, help="YYYY-MM-DD")
    parser.add_argument("--files", choices=FILE_MODES, default="asice")
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="every field, file name and file text carries valid personal codes in every spelling, markup, "
        "javascript: links, control characters and RTL overrides (for testing an archive's defences)",
    )
    args = parser.parse_args(argv)
    try:
        corpus = Corpus(
            CorpusConfig(
                bodies=args.bodies,
                days=args.days,
                start=args.start,
                docs_per_day=args.docs_per_day,
                big_day_every=args.big_day_every,
                ak_share=args.ak_share,
                seed=args.seed,
                files=args.files,
                hostile=args.hostile,
            )
        )
        bodies = corpus.bodies if args.family == "adr" else corpus.bodies[:1]
        site = SITES[args.family](corpus, slug=bodies[0].slug) if args.family != "adr" else None
        server = SimulatorServer(corpus, host=args.host, port=args.port, site=site)
    except (DokregError, OSError) as error:
        print(f"dokreg simulate: {error}", file=sys.stderr)
        return 2
    for spec in bodies:
        url = f"{server.url}/{spec.slug}/"
        print(f"{spec.slug}\t{len(corpus.documents(spec.slug))} documents\t{url}")
        print(f"  dokreg registry add --family {args.family} --slug sim-{spec.slug} --url {url}")
    print("Serving; Ctrl-C stops.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
