"""Datasets that scanned metadata only names get their lineage from the known-datasets catalog."""

from __future__ import annotations

from tos_check.known_datasets.catalog import builtin
from tos_check.lineage.known import graph_with_known_datasets
from tos_check.lineage.model import Artifact, Edge, Location, SourceResult

HERE = Location(path="proj/tos-provenance.yaml", line=4)


def graph_for(*references: str):  # type: ignore[no-untyped-def]
    mine = Artifact(id="data/mix", kind="dataset", location=HERE)
    edges = [Edge(relation="derived_from", source="data/mix", target=r, location=HERE) for r in references]
    return graph_with_known_datasets(SourceResult(artifacts=[mine], edges=edges), builtin())


def test_named_dataset_gets_generators_with_catalog_evidence() -> None:
    graph = graph_for("HuggingFaceH4/ultrachat_200k")
    traces = graph.traces(graph.artifacts["data/mix"])
    models = {(t.generation.model, t.generation.role, tuple(h.target for h in t.chain)) for t in traces}
    assert ("gpt-3.5-turbo", "responses", ("HuggingFaceH4/ultrachat_200k", "gpt-3.5-turbo")) in models
    # The catalog's own derived_from is followed too: UltraChat 200k was built from UltraChat.
    assert any("stingning/ultrachat" in chain for _, _, chain in models)
    evidence = traces[0].generation.evidence
    assert evidence.kind == "catalog"
    assert evidence.location.path == "tos_check/known_datasets/catalog/instruction.yaml"
    assert evidence.location.line is not None


def test_lookup_by_tool_alias_and_licence_is_recorded() -> None:
    graph = graph_for("alpaca_en")
    upstream = graph.artifacts["alpaca_en"]
    assert "tatsu-lab/alpaca" in upstream.names
    assert upstream.licenses
    assert {t.generation.model for t in graph.traces(graph.artifacts["data/mix"])} == {"text-davinci-003"}


def test_human_written_and_unknown_datasets_add_no_generators() -> None:
    graph = graph_for("databricks/databricks-dolly-15k", "someone/never-heard-of-it")
    assert graph.traces(graph.artifacts["data/mix"]) == []
    assert graph.artifacts["someone/never-heard-of-it"].external


def test_described_datasets_are_not_overridden_by_the_catalog() -> None:
    described = Artifact(id="HuggingFaceH4/ultrachat_200k", kind="dataset", location=HERE)
    graph = graph_with_known_datasets(SourceResult(artifacts=[described]), builtin())
    assert graph.artifacts["HuggingFaceH4/ultrachat_200k"].generated_by == ()


def test_references_under_two_catalog_names_are_one_dataset() -> None:
    # Tülu 3 names Code-Feedback by its ai2-adapt-dev copy, the StarChat2 recipe by the H4 id: one dataset.
    graph = graph_for("ai2-adapt-dev/codefeedback-single-turn-reformat", "HuggingFaceH4/Code-Feedback")
    first, second = (
        graph.find("ai2-adapt-dev/codefeedback-single-turn-reformat"),
        graph.find("HuggingFaceH4/Code-Feedback"),
    )
    assert first is not None and first is second
    assert first.id == "ai2-adapt-dev/codefeedback-single-turn-reformat"
    assert first.catalogued
    upstream = {h.target for t in graph.traces(graph.artifacts["data/mix"]) for h in t.chain[:1]}
    assert upstream == {first.id}


def test_the_catalog_joins_references_under_its_aliases_but_not_a_described_dataset() -> None:
    # A card describes OpenHermes under its Hugging Face id; configs name it by that id and by an alias.
    card = Artifact(id="cards/openhermes", kind="dataset", names=("teknium/OpenHermes-2.5",), location=HERE)
    by_id = Artifact(id="teknium/OpenHermes-2.5", kind="dataset", location=HERE, external=True, in_use=True)
    by_alias = Artifact(id="OpenHermes 2.5", kind="dataset", location=HERE, external=True, in_use=True)
    graph = graph_with_known_datasets(SourceResult(artifacts=[card, by_id, by_alias]), builtin())
    assert [d.id for d in graph.datasets()] == ["OpenHermes 2.5", "cards/openhermes"]
    assert graph.traces(graph.artifacts["cards/openhermes"]) == [], "the card's own account stands"
    assert graph.artifacts["OpenHermes 2.5"].catalogued
    assert graph.traces(graph.artifacts["OpenHermes 2.5"])


def test_every_config_line_naming_a_dataset_is_kept_whichever_name_it_used() -> None:
    tulu = Location(path="configs/tulu3.yaml", line=11)
    starchat = Location(path="configs/starchat2.yaml", line=17)
    runs = [Artifact(id=run, kind="model", location=HERE) for run in ("runs/tulu", "runs/starchat")]
    edges = [
        Edge(
            relation="trained_on",
            source="runs/tulu",
            target="ai2-adapt-dev/codefeedback-single-turn-reformat",
            location=tulu,
        ),
        Edge(relation="trained_on", source="runs/starchat", target="HuggingFaceH4/Code-Feedback", location=starchat),
    ]
    graph = graph_with_known_datasets(SourceResult(artifacts=runs, edges=edges), builtin())
    dataset = graph.find("HuggingFaceH4/Code-Feedback")
    assert dataset is not None
    assert graph.used_in(dataset) == [starchat, tulu]
