"""Matching: prompts, each to be paired with one of the answers shown (shuffled, with extra
answers that fit no prompt). Each right pair earns its share. Authored as `pairs` of prompt and
answer; a pair with an empty prompt is an extra answer. Answers written the same way are one
answer to the learner, so two prompts may share it."""

import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from quizzes.question_types.base import LayoutItem, QuestionSpec, QuestionType, Spec
from quizzes.question_types.common import bad_answer, bad_key, keep_or_give_ids, text_of

MATCHING = "matching"


def prompts(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in spec["pairs"] if text_of(p, "prompt")]


def answer_ids(spec: Mapping[str, Any]) -> dict[str, int]:
    """One id per distinct answer text: the smallest id of the pairs that have it (so the ids a
    learner sees do not change when the pairing does)."""
    ids: dict[str, int] = {}
    for pair in spec["pairs"]:
        text = text_of(pair, "answer")
        ids[text] = min(ids.get(text, pair["answer_id"]), pair["answer_id"])
    return ids


@dataclass(frozen=True)
class MatchingSpec(QuestionSpec):
    key: tuple[tuple[int, str], ...]
    """(prompt id, the text of its answer)."""
    answers: tuple[tuple[int, str], ...]
    """(answer id, text) of every answer id a pair has."""


class Matching(QuestionType[MatchingSpec]):
    name = MATCHING
    label = "Matching"
    answer_key = "pairs"
    stored_in = "data"
    content_keys = ("pairs",)

    def check_keys(self, content: Mapping[str, Any]) -> None:
        pairs = content.get("pairs") or []
        if any(not text_of(p, "answer") for p in pairs):
            raise bad_key(gettext("Every pair of a matching question has an answer."))
        if len([p for p in pairs if text_of(p, "prompt")]) < 2:
            raise bad_key(gettext("A matching question has at least two prompts."))
        prompts_seen = [text_of(p, "prompt") for p in pairs if text_of(p, "prompt")]
        if len(set(prompts_seen)) != len(prompts_seen):
            raise bad_key(gettext("Two prompts of a matching question are the same."))

    def prepare(self, content: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
        pairs = [
            {
                "prompt": text_of(p, "prompt"),
                "answer": text_of(p, "answer"),
                "prompt_id": p.get("prompt_id"),
                "answer_id": p.get("answer_id"),
            }
            for p in content.get("pairs") or []
        ]
        keep_or_give_ids(pairs, ("prompt_id", "answer_id"), rng)
        return {"pairs": pairs}

    def layout(self, spec: Spec, rng: random.Random) -> dict[str, Any]:
        shown_prompts = sorted(p["prompt_id"] for p in prompts(spec))
        shown_answers = sorted(answer_ids(spec).values())
        rng.shuffle(shown_prompts)
        rng.shuffle(shown_answers)
        return {"prompts": shown_prompts, "answers": shown_answers}

    def public(self, spec: Spec, item: LayoutItem) -> dict[str, Any]:
        prompt_text = {p["prompt_id"]: p["prompt"] for p in prompts(spec)}
        answer_text = {aid: text for text, aid in answer_ids(spec).items()}
        return {
            "prompts": [{"id": pid, "text": prompt_text[pid]} for pid in item["prompts"]],
            "answers": [{"id": aid, "text": answer_text[aid]} for aid in item["answers"]],
        }

    def clean_answer(self, spec: Spec, item: LayoutItem, given: Any) -> list[list[int]]:
        if not isinstance(given, list | tuple) or not all(
            isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(i, int) for i in p) for p in given
        ):
            raise bad_answer(spec["id"], "`pairs` is a list of [prompt_id, answer_id].", "pairs_required")
        shown_prompts, shown_answers = set(item["prompts"]), set(item["answers"])
        seen: set[int] = set()
        for prompt_id, answer_id in given:
            if prompt_id not in shown_prompts:
                raise bad_answer(spec["id"], f"there is no prompt {prompt_id}.", "unknown_prompt")
            if answer_id not in shown_answers:
                raise bad_answer(spec["id"], f"there is no answer {answer_id}.", "unknown_answer")
            if prompt_id in seen:
                raise bad_answer(spec["id"], f"prompt {prompt_id} is paired twice.", "duplicate_prompt")
            seen.add(prompt_id)
        return [[int(p), int(a)] for p, a in given]

    def grading_spec(self, spec: Spec) -> MatchingSpec:
        return MatchingSpec(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            key=tuple((p["prompt_id"], text_of(p, "answer")) for p in prompts(spec)),
            answers=tuple((p["answer_id"], text_of(p, "answer")) for p in spec["pairs"]),
        )

    def fraction(self, spec: MatchingSpec, response: Any) -> Decimal:
        answer_text = dict(spec.answers)
        given: dict[int, int] = {}
        for pair in response or ():
            if isinstance(pair, list | tuple) and len(pair) == 2:
                given.setdefault(pair[0], pair[1])  # a prompt paired twice counts once
        right = sum(
            1
            for prompt_id, text in spec.key
            if prompt_id in given and answer_text.get(given[prompt_id]) == text
        )
        return Decimal(right) / Decimal(len(spec.key)) if spec.key else Decimal(0)

    def review(self, spec: Spec) -> dict[str, Any]:
        ids = answer_ids(spec)
        return {"correct_pairs": [[p["prompt_id"], ids[text_of(p, "answer")]] for p in prompts(spec)]}
