"""A local ``evaluate`` metric wrapping ``arabic_events.training.evaluation.scoring.score`` (no hub needed).

    >>> import evaluate                                                    # doctest: +SKIP
    >>> from importlib.resources import files                             # doctest: +SKIP
    >>> m = evaluate.load(str(files("arabic_events.training.evaluation.metrics") / "event_f1.py"))  # doctest: +SKIP
    >>> m.compute(predictions=[json.dumps(pred)], references=[json.dumps(gold)])["event_f1"]  # doctest: +SKIP

Each prediction and reference is one SCHEMA.md record serialised as JSON (same ``id`` and
``text``). The result holds the headline F1 values and, under ``report``, the full report.
"""

import json

import datasets
import evaluate

from arabic_events.training.evaluation.scoring import headline, score

_DESCRIPTION = "Entity, trigger, argument and event P/R/F1 as defined by SCHEMA.md (Metrics)."


class EventF1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation="", inputs_description=__doc__,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}))

    def _compute(self, predictions, references):
        preds = [json.loads(p) for p in predictions]
        golds = [json.loads(r) for r in references]
        for k, (p, g) in enumerate(zip(preds, golds)):
            p.setdefault("id", g.get("id", f"#{k}"))
            g.setdefault("id", p["id"])
        report = score(golds, preds)
        return {**headline(report), "report": report}
