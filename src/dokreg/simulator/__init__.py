"""A deterministic fake of Estonian public document registers, served on loopback.

The demo, the tests and the benchmarks read from it instead of the real registers::

    with SimulatorServer(Corpus(CorpusConfig(bodies=2, days=3))) as server:
        base = server.base_url("som")  # http://127.0.0.1:PORT/som/
"""

from dokreg.simulator.cli import simulate_main
from dokreg.simulator.corpus import BodySpec, Corpus, CorpusConfig, SimDocument, SimFile, SimRelation
from dokreg.simulator.files import FileMaker, Signer
from dokreg.simulator.server import SimulatorServer

__all__ = [
    "BodySpec",
    "Corpus",
    "CorpusConfig",
    "FileMaker",
    "SimDocument",
    "SimFile",
    "SimRelation",
    "Signer",
    "SimulatorServer",
    "simulate_main",
]
