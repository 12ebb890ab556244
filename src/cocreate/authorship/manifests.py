"""What an exported file's Content Credentials say, built from the ledger.

The actions follow the artifact's main line (first parents) from its root:

* the root: ``c2pa.created`` with the IPTC digital source type of whoever
  made it — the partner's (``algorithmicMedia`` for procedural generators,
  ``trainedAlgorithmicMedia`` for learned models) or ``digitalCreation`` for
  a person's material; a person's file that arrived with credentials of its
  own is instead ``c2pa.opened`` as the parent ingredient, keeping them;
* each later step: ``c2pa.edited``, with ``humanEdits`` for a person's edit
  or the partner's source type (and software agent) for an AI variation;
* a person's material joined in from a side branch: a ``componentOf``
  ingredient and ``c2pa.placed`` with ``compositeWithTrainedAlgorithmicMedia``
  (learned partners) or ``compositeSynthetic`` (procedural ones).

``org.cocreate.attribution`` carries the contributor shares and the work id,
artifact id and hash of the ledger event that recorded the artifact.
Nothing in a manifest names a local path, a key or an e-mail address.
"""

from __future__ import annotations

from typing import Any

from .._version import __version__
from ..model import Operator, Origin
from ..state import WorkState
from .attribution import Attribution, source_type_uri, work_partner_info
from .credentials import ATTRIBUTION_LABEL, EXTENSIONS, Ingredient, can_embed, has_credentials

MAX_INGREDIENTS = 16
HUMAN_EDITS = source_type_uri("humanEdits")
DIGITAL_CREATION = source_type_uri("digitalCreation")


def attribution_assertion(attr: Attribution) -> dict[str, Any]:
    """The data of the ``org.cocreate.attribution`` assertion."""
    return {
        "version": 1,
        "generator": f"cocreate {__version__}",
        "work_id": attr.work_id,
        "artifact_id": attr.artifact_id,
        "event_id": attr.event_id,
        "event_hash": attr.event_hash,
        "content_sha256": attr.content_sha256,
        "policy": {"name": attr.policy.name, "version": attr.policy.version},
        "content": attr.content_by_origin(),
        "ai_more_than_de_minimis": attr.ai_more_than_de_minimis,
        "contributors": [
            {
                k: v
                for k, v in c.to_dict().items()
                if k not in ("legal_name", "pro", "ipi")  # business data stays off the file
            }
            for c in attr.contributors
        ],
    }


def _partner(state: WorkState, name: str) -> dict[str, Any]:
    info = work_partner_info(state)
    if info.get("name") == name:
        return info
    try:
        from ..partners import registry

        cls = registry.get(name)
        return {"name": name, "version": cls.version, "source_type": cls.source_type}
    except Exception:
        return {"name": name, "version": "", "source_type": "algorithmicMedia"}


def _agent(state: WorkState, a: dict[str, Any]) -> dict[str, Any]:
    recipe = a.get("recipe") or {}
    info = _partner(state, a["author"])
    return {
        "name": a["author"],
        "version": str(recipe.get("partner_version") or info.get("version") or ""),
    }


def _composite(source_type: str) -> str:
    trained = "trained" in source_type.lower()
    return source_type_uri(
        "compositeWithTrainedAlgorithmicMedia" if trained else "compositeSynthetic"
    )


def _mixes_human_and_ai(state: WorkState, a: dict[str, Any]) -> bool:
    """Whether an artifact's parents bring together a person's and a partner's content."""
    origins: set[str] = set()
    stack, seen = list(a.get("parents") or ()), set()
    while stack:
        i = stack.pop()
        if i in seen or i not in state.artifacts:
            continue
        seen.add(i)
        origins.add(state.artifacts[i]["origin"])
        stack.extend(state.artifacts[i].get("parents") or ())
    return origins >= {str(Origin.AI), str(Origin.HUMAN)}


def _title(a: dict[str, Any]) -> str:
    return f"{a['id'][:12]}.{EXTENSIONS.get(a['media_type'], 'bin')}"


def build_manifest(
    work: Any, attr: Attribution, title: str
) -> tuple[dict[str, Any], list[Ingredient]]:
    """The manifest definition and the ingredients for ``attr``'s artifact."""
    state: WorkState = work._s
    arts = state.artifacts
    load = work.studio.media.get

    # the main line: first parents back to the root
    chain = [attr.artifact_id]
    while True:
        parents = [p for p in arts[chain[-1]].get("parents") or () if p in arts]
        if not parents or parents[0] in chain:
            break
        chain.append(parents[0])
    chain.reverse()

    actions: list[dict[str, Any]] = []
    ingredients: list[Ingredient] = []

    root = arts[chain[0]]
    if Origin(root["origin"]) is Origin.AI:
        info = _partner(state, root["author"])
        actions.append(
            {
                "action": "c2pa.created",
                "digitalSourceType": source_type_uri(str(info.get("source_type", ""))),
                "softwareAgent": _agent(state, root),
                "description": f"generated by {root['author']} ({root['operator']})",
            }
        )
    else:
        data = load(root["content_hash"])
        if can_embed(root["media_type"]) and has_credentials(data, root["media_type"]):
            label = f"artifact-{root['id']}"
            ingredients.append(
                Ingredient(
                    _title(root),
                    root["media_type"],
                    data,
                    "parentOf",
                    label,
                    "a person's material that arrived with its own credentials",
                )
            )
            actions.append(
                {
                    "action": "c2pa.opened",
                    "parameters": {"ingredientIds": [label]},
                    "description": "a person's own material, with its credentials kept",
                }
            )
        else:
            actions.append(
                {
                    "action": "c2pa.created",
                    "digitalSourceType": DIGITAL_CREATION,
                    "description": "a person's own material",
                }
            )

    placed: set[str] = set(chain)
    for i in chain[1:]:
        a = arts[i]
        if Origin(a["origin"]) is Origin.HUMAN:
            edits = a.get("edits") or {}
            actions.append(
                {
                    "action": "c2pa.edited",
                    "digitalSourceType": HUMAN_EDITS,
                    "description": (
                        "a person adjusted " + ", ".join(sorted(edits))
                        if edits
                        else "a person edited the file"
                    ),
                }
            )
            continue
        info = _partner(state, a["author"])
        op = a["operator"]
        source = source_type_uri(str(info.get("source_type", "")))
        if len(a.get("parents") or ()) > 1 and _mixes_human_and_ai(state, a):
            source = _composite(source)
        strength = (a.get("recipe") or {}).get("strength")
        how = f"{op} by {a['author']}" + (
            f" (strength {strength:g})" if op == Operator.VARY and strength is not None else ""
        )
        actions.append(
            {
                "action": "c2pa.edited",
                "digitalSourceType": source,
                "softwareAgent": _agent(state, a),
                "description": how,
            }
        )

    # a person's material that joined from a side branch
    for i in attr.lineage:
        a = arts[i]
        if i in placed or Origin(a["origin"]) is not Origin.HUMAN:
            continue
        if a["operator"] != Operator.CONTRIBUTE or len(ingredients) >= MAX_INGREDIENTS:
            continue
        if a["media_type"] not in EXTENSIONS:
            continue
        label = f"artifact-{i}"
        ingredients.append(
            Ingredient(
                _title(a),
                a["media_type"],
                load(a["content_hash"]),
                "componentOf",
                label,
                "a person's own material",
            )
        )
        source = str(_partner(state, state.partner).get("source_type", ""))
        actions.append(
            {
                "action": "c2pa.placed",
                "digitalSourceType": _composite(source),
                "parameters": {"ingredientIds": [label]},
                "description": "a person's material combined with the partner's output",
            }
        )

    people = [c for c in attr.contributors if c.is_person]
    assertions: list[dict[str, Any]] = [
        {"label": "c2pa.actions", "data": {"actions": actions}},
        {"label": ATTRIBUTION_LABEL, "data": attribution_assertion(attr)},
    ]
    if people:
        assertions.append(
            {
                "label": "stds.schema-org.CreativeWork",
                "data": {
                    "@context": "https://schema.org",
                    "@type": "CreativeWork",
                    "name": attr.title,
                    "author": [{"@type": "Person", "name": c.name} for c in people],
                },
            }
        )
    manifest = {
        "claim_generator_info": [{"name": "cocreate", "version": __version__}],
        "title": title,
        "assertions": assertions,
    }
    return manifest, ingredients
