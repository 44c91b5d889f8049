"""Contract (issue 17): every version of a proposal is kept, listed oldest first without its snapshot, read back whole,
and goes with the proposal, on both stores."""

from __future__ import annotations

import pytest

from graph.port import Conflict, GraphStore, Invalid, NotFound
from graph.port_sets import ProposalRecord, ProposalVersion
from network.domain import Programme


def test_versions_are_kept_listed_read_back_and_go_with_their_proposal(store: GraphStore, make) -> None:
    programme = store.create_programme(Programme(id=make.id("prog"), name="Versions 2026"))
    proposal = store.save_proposal(ProposalRecord(id=make.id("prop"), programme_id=programme.id, payload="{}"))
    assert store.proposal_versions(proposal.id) == []
    first = store.keep_proposal_version(ProposalVersion(proposal.id, 1, '{"kind": "formed"}', '{"sets": [["a", "b"]]}', made_by="u-1"))
    assert (first.version, first.label, first.snapshot, first.made_by) == (1, '{"kind": "formed"}', '{"sets": [["a", "b"]]}', "u-1")
    assert first.made_at is not None
    store.keep_proposal_version(ProposalVersion(proposal.id, 2, '{"kind": "move"}', '{"sets": [["a"], ["b"]]}'))
    listed = store.proposal_versions(proposal.id)
    assert [(v.version, v.label, v.snapshot) for v in listed] == [(1, '{"kind": "formed"}', None), (2, '{"kind": "move"}', None)]
    assert store.get_proposal_version(proposal.id, 2).snapshot == '{"sets": [["a"], ["b"]]}'
    with pytest.raises(Conflict, match="kept already"):
        store.keep_proposal_version(ProposalVersion(proposal.id, 2, "{}", "{}"))
    with pytest.raises(Invalid):
        store.keep_proposal_version(ProposalVersion(proposal.id, 3, "{}", ""))
    with pytest.raises(NotFound):
        store.get_proposal_version(proposal.id, 9)
    with pytest.raises(NotFound):
        store.keep_proposal_version(ProposalVersion(make.id("prop", 9), 1, "{}", "{}"))
    with pytest.raises(NotFound):
        store.proposal_versions(make.id("prop", 9))
    other = store.save_proposal(ProposalRecord(id=make.id("prop", 2), programme_id=programme.id, payload="{}"))
    store.keep_proposal_version(ProposalVersion(other.id, 1, "{}", '{"other": true}'))
    store.delete_proposal(proposal.id)
    with pytest.raises(NotFound):
        store.get_proposal_version(proposal.id, 1)
    assert store.get_proposal_version(other.id, 1).snapshot == '{"other": true}'  # another proposal's versions stay
