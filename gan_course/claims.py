"""Statements about this run's numbers, checked in the run that makes them.

A lesson's markdown states as fact only what held in every benchmark seed. Anything that depends on the run is a
claim: the notebook prints, beside the cell that measures it, whether it holds here and with which numbers, and
``make benchmark`` records every claim's outcome per seed (RESULTS.md shows them). Markdown cites a claim by its id,
written as ``claim:some_id`` in backticks; a test holds every cited claim to every benchmark seed.

    ledger = claims.Ledger()
    ledger.claim("sn_lowers_fid", "spectral norm lowers FID at equal images", fid_sn < fid_plain,
                 f"FID {fid_plain:.1f} -> {fid_sn:.1f}")
    results.record(LESSON, {..., "claims": ledger.outcomes()})
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLAIM_ID = re.compile(r"[a-z][a-z0-9_]*")
CITATION = re.compile(r"`claim:([a-z][a-z0-9_]*)`")  # how markdown cites a claim


@dataclass(frozen=True)
class Claim:
    """One checked statement: whether it ``holds`` in this run, and the numbers that decided it."""

    id: str
    statement: str
    holds: bool
    evidence: str = ""

    def line(self) -> str:
        """What the notebook prints: ``[claim id] holds in this run: statement (evidence)``."""
        verdict = "holds" if self.holds else "does NOT hold"
        return f"[claim {self.id}] {verdict} in this run: {self.statement}" + (f" ({self.evidence})" if self.evidence else "")


class Ledger:
    """The claims one notebook makes, by id. Re-running a cell replaces its claims, never duplicates them."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def claim(self, claim_id: str, statement: str, holds, evidence: str = "") -> None:
        """Check ``holds`` (a bool, or a one-element tensor or array) and print one line saying whether it held.

        Returns nothing, so that a cell ending in a claim shows only that line; ``ledger[claim_id]`` gives the claim."""
        if not isinstance(claim_id, str) or not CLAIM_ID.fullmatch(claim_id):
            raise ValueError(f"expected a claim id of lowercase letters, digits and _ such as 'sn_lowers_fid', "
                             f"got {claim_id!r}")
        if not isinstance(statement, str) or not statement.strip():
            raise ValueError(f"expected the claim's statement as a sentence, got {statement!r}")
        made = Claim(claim_id, statement.strip(), _truth(holds, claim_id), evidence)
        self._claims[claim_id] = made
        print(made.line())

    def __getitem__(self, claim_id: str) -> Claim:
        if claim_id not in self._claims:
            raise KeyError(f"expected one of the claims made so far {sorted(self._claims)}, got {claim_id!r}")
        return self._claims[claim_id]

    def __iter__(self):
        return iter(self._claims.values())

    def __len__(self) -> int:
        return len(self._claims)

    def outcomes(self) -> dict[str, dict]:
        """{id: {"statement", "holds", "evidence"}}: what ``results.record`` stores for the benchmark."""
        return {c.id: {"statement": c.statement, "holds": c.holds, "evidence": c.evidence} for c in self}


def cited(markdown: str) -> list[str]:
    """The claim ids a piece of markdown cites (``claim:some_id`` in backticks), in order, each once."""
    return list(dict.fromkeys(CITATION.findall(markdown)))


def _truth(holds, claim_id: str) -> bool:
    """A plain bool from a bool, numpy bool or one-element tensor; anything else is an error, not a truth value."""
    if isinstance(holds, bool):
        return holds
    item = getattr(holds, "item", None)
    size = getattr(holds, "numel", None) or getattr(holds, "size", None)
    size = size() if callable(size) else size
    if item is not None and size == 1:
        value = item()
        if isinstance(value, bool):
            return value
    raise TypeError(f"expected claim {claim_id!r} to be decided by a comparison (True or False), got {holds!r}")
