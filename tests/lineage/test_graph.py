from __future__ import annotations

from tos_check.lineage.graph import LineageGraph
from tos_check.lineage.model import Artifact, Edge, Evidence, GeneratedBy, Location, SourceResult

HERE = Location(path="m.yaml", line=1)


def gen(model: str, line: int = 1) -> GeneratedBy:
    return GeneratedBy(
        model=model,
        evidence=Evidence(kind="declared", detail=model, location=Location(path="m.yaml", line=line), confidence=1.0),
    )


def dataset(id_: str, *models: str, paths: tuple[str, ...] = ()) -> Artifact:
    return Artifact(id=id_, kind="dataset", location=HERE, generated_by=tuple(gen(m) for m in models), paths=paths)


def model(id_: str) -> Artifact:
    return Artifact(id=id_, kind="model", location=HERE)


def edge(relation: str, source: str, target: str, line: int = 1) -> Edge:
    return Edge(relation=relation, source=source, target=target, location=Location(path="m.yaml", line=line))  # type: ignore[arg-type]


def chains(graph: LineageGraph, id_: str) -> list[tuple[int, str, list[str]]]:
    subject = graph.artifacts[id_]
    return sorted((t.depth, t.generation.model, [h.relation for h in t.chain]) for t in graph.traces(subject))


def test_multi_hop_chain_counts_model_hops() -> None:
    result = SourceResult(
        artifacts=[dataset("sft", "gpt-4"), model("helper"), dataset("distilled", "helper"), dataset("final")],
        edges=[edge("trained_on", "helper", "sft"), edge("derived_from", "final", "distilled")],
    )
    graph = LineageGraph.build(result)
    assert chains(graph, "final") == [
        (1, "helper", ["derived_from", "generated_by"]),
        (2, "gpt-4", ["derived_from", "generated_by", "trained_on", "generated_by"]),
    ]


def test_base_model_counts_as_a_hop() -> None:
    result = SourceResult(
        artifacts=[model("tuned"), dataset("d", "tuned")],
        edges=[edge("base_model", "tuned", "meta-llama/Llama-3.1-8B")],
    )
    graph = LineageGraph.build(result)
    assert chains(graph, "d") == [
        (1, "tuned", ["generated_by"]),
        (2, "meta-llama/Llama-3.1-8B", ["generated_by", "base_model"]),
    ]
    assert graph.artifacts["meta-llama/Llama-3.1-8B"].external


def test_cycles_end() -> None:
    result = SourceResult(
        artifacts=[dataset("a", "m"), model("m")],
        edges=[edge("trained_on", "m", "a"), edge("derived_from", "a", "a")],
    )
    graph = LineageGraph.build(result)
    assert chains(graph, "a") == [(1, "m", ["generated_by"])]


def test_same_dataset_from_two_sources_is_one_node() -> None:
    card = Artifact(
        id="proj/data/chats",
        kind="dataset",
        location=Location(path="proj/data/chats/README.md"),
        paths=("proj/data/chats",),
        licenses=("mit",),
    )
    declared = dataset("data/chats", "gpt-4", paths=("proj/data/chats/train.jsonl", "proj/data/chats"))
    graph = LineageGraph.build(SourceResult(artifacts=[card, declared]))
    (only,) = graph.datasets()
    assert only.licenses == ("mit",)
    assert [g.model for g in only.generated_by] == ["gpt-4"]
    assert graph.find("proj/data/chats") is only


def test_references_match_by_name_case_and_path_without_suffix() -> None:
    a = Artifact(
        id="HuggingFaceH4/ultrachat_200k",
        kind="dataset",
        location=HERE,
        names=("UltraChat 200k",),
        paths=("proj/data/ultrachat.jsonl",),
    )
    graph = LineageGraph.build(SourceResult(artifacts=[a]))
    assert graph.find("huggingfaceh4/ULTRACHAT_200K") is not None
    assert graph.find("ultrachat 200k") is not None
    assert graph.find("nothing", ("proj/data/ultrachat",)) is not None
    assert graph.find("nothing", ("proj/data",)) is not None
    assert graph.find("nothing", ("proj/dat",)) is None


def test_unknown_references_become_external_nodes_not_subjects() -> None:
    result = SourceResult(artifacts=[dataset("mine")], edges=[edge("derived_from", "mine", "someone/else")])
    graph = LineageGraph.build(result)
    assert [d.id for d in graph.datasets()] == ["mine"]
    assert graph.artifacts["someone/else"].external


def test_a_reference_joined_to_its_description_by_path_leaves_one_node() -> None:
    # The reference's id sorts first, so the described dataset arrives second and takes the node over:
    # the reference's id must lead to it, not to a stale copy judged as a second dataset.
    reference = Artifact(id="a-data.jsonl", kind="dataset", location=HERE, paths=("data/z.jsonl",), external=True)
    described = dataset("zz-described", "gpt-4", paths=("data/z.jsonl",))
    graph = LineageGraph.build(SourceResult(artifacts=[reference, described]))
    assert [d.id for d in graph.datasets()] == ["zz-described"]
    found = graph.find("a-data.jsonl")
    assert found is not None and found.id == "zz-described"
    assert "a-data.jsonl" in found.names


def test_extending_gives_the_graph_one_build_of_everything_gives() -> None:
    first = SourceResult(
        artifacts=[dataset("mix", "gpt-4"), model("helper")],
        edges=[edge("derived_from", "mix", "upstream"), edge("trained_on", "helper", "mix")],
    )
    second = SourceResult(
        artifacts=[Artifact(id="upstream", kind="dataset", location=HERE, generated_by=(gen("claude-2"),))],
        edges=[edge("derived_from", "upstream", "older", line=2), edge("derived_from", "mix", "aaa", line=3)],
    )
    extended = LineageGraph.build(first)
    assert extended.artifacts["upstream"].generated_by == ()  # a placeholder until described
    extended.extend(second)
    whole = LineageGraph.build(
        SourceResult(artifacts=[*first.artifacts, *second.artifacts], edges=[*first.edges, *second.edges])
    )
    assert extended.artifacts == whole.artifacts
    assert chains(extended, "mix") == chains(whole, "mix")
    assert [e.target for e in extended.edges_from("mix", "derived_from")] == ["aaa", "upstream"]


def test_scanned_datasets_sharing_a_pretty_name_stay_apart() -> None:
    one = Artifact(id="team-a/chat", kind="dataset", names=("Chat set 7",), location=HERE)
    two = Artifact(id="team-b/chat", kind="dataset", names=("Chat set 7",), location=HERE)
    graph = LineageGraph.build(SourceResult(artifacts=[one, two]))
    assert [d.id for d in graph.datasets()] == ["team-a/chat", "team-b/chat"]
