#!/usr/bin/env python3
"""Writes test/golden/classification-report.json: scikit-learn's classification_report (text and
dict) and confusion_matrix for many random cases, so the TypeScript port can be checked character
for character without Python in CI.

Run with Debian's python3-sklearn:  /usr/bin/python3 scripts/golden_classification_report.py
"""
import json
import random
import warnings

import numpy as np
import sklearn
from sklearn.metrics import classification_report, confusion_matrix

warnings.simplefilter("ignore")
rng = random.Random(20261128)
LONG_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def random_case(index):
    n_classes = rng.randint(2, 10)
    n = rng.choice([1, 3, 7, 20, 50, 200, 1000])
    accuracy = rng.random()
    y_true = [rng.randrange(n_classes) for _ in range(n)]
    y_pred = [t if rng.random() < accuracy else rng.randrange(n_classes) for t in y_true]
    case = {"yTrue": y_true, "yPred": y_pred, "options": {"digits": rng.randint(1, 5)}}
    present = sorted(set(y_true) | set(y_pred))
    kind = index % 6
    if kind == 1:
        case["options"]["zeroDivision"] = rng.choice([0, 1])
    if kind == 2:
        # A strict subset of the labels present: the "micro avg" row replaces "accuracy".
        if len(present) > 1:
            case["options"]["labels"] = sorted(rng.sample(present, rng.randint(1, len(present) - 1)))
    if kind == 3:
        # Every class, including ones absent from the data, with names (the tutorial's call).
        case["options"]["labels"] = list(range(n_classes))
        case["options"]["targetNames"] = LONG_NAMES[:n_classes]
    if kind == 4:
        case["options"]["sampleWeight"] = [round(rng.uniform(0.1, 3), rng.randint(0, 3)) for _ in range(n)]
    if kind == 5:
        names = ["c" * rng.randint(1, 25) + str(i) for i in range(len(present))]
        case["options"]["targetNames"] = names
        case["options"]["zeroDivision"] = rng.choice(["warn", 0, 1])
    return case


def hand_cases():
    return [
        # Exact ties for rounding (precision 1/8, 3/8, 5/8): Python rounds half to even.
        {"yTrue": [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], "yPred": [0, 1, 1, 1, 1, 1, 1, 1, 1, 1], "options": {"digits": 2}},
        {"yTrue": [0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0], "yPred": [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], "options": {"digits": 2}},
        # A class never predicted, with every zeroDivision.
        {"yTrue": [0, 1, 2, 2], "yPred": [0, 1, 1, 1], "options": {"zeroDivision": "warn"}},
        {"yTrue": [0, 1, 2, 2], "yPred": [0, 1, 1, 1], "options": {"zeroDivision": 1}},
        # Labels that do not occur at all.
        {"yTrue": [0, 1, 1], "yPred": [0, 1, 0], "options": {"labels": [0, 1, 5], "zeroDivision": 0}},
        {"yTrue": [0, 1, 1], "yPred": [0, 1, 0], "options": {"labels": [7, 8], "zeroDivision": 1}},
        # The scikit-learn documentation example.
        {"yTrue": [0, 1, 2, 2, 2], "yPred": [0, 0, 2, 2, 1], "options": {"targetNames": ["class 0", "class 1", "class 2"]}},
        # Weighted support prints as a float.
        {"yTrue": [0, 1, 1, 0], "yPred": [0, 1, 0, 0], "options": {"sampleWeight": [0.5, 2, 1.25, 3]}},
        {"yTrue": [0, 1, 1, 0], "yPred": [0, 1, 0, 0], "options": {"sampleWeight": [1, 2, 1, 3]}},
        {"yTrue": [3, 3, 3], "yPred": [3, 3, 3], "options": {"digits": 5}},
    ]


def run(case):
    o = case["options"]
    kwargs = {}
    if "labels" in o:
        kwargs["labels"] = o["labels"]
    if "targetNames" in o:
        kwargs["target_names"] = o["targetNames"]
    if "sampleWeight" in o:
        kwargs["sample_weight"] = o["sampleWeight"]
    if "zeroDivision" in o:
        kwargs["zero_division"] = o["zeroDivision"]
    digits = o.get("digits", 2)
    text = classification_report(case["yTrue"], case["yPred"], digits=digits, **kwargs)
    as_dict = classification_report(case["yTrue"], case["yPred"], output_dict=True, **kwargs)
    cm_kwargs = {k: v for k, v in kwargs.items() if k in ("labels", "sample_weight")}
    try:
        cm = confusion_matrix(case["yTrue"], case["yPred"], **cm_kwargs).tolist()
        cm_true = confusion_matrix(case["yTrue"], case["yPred"], normalize="true", **cm_kwargs).tolist()
    except ValueError as error:
        cm = cm_true = str(error)
    return {**case, "text": text, "dict": as_dict, "confusionMatrix": cm, "confusionMatrixTrue": cm_true}


cases = [run(c) for c in hand_cases()] + [run(random_case(i)) for i in range(150)]
with open("test/golden/classification-report.json", "w") as out:
    json.dump({"generator": "scripts/golden_classification_report.py", "sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, out, indent=1)
    out.write("\n")
print(f"wrote {len(cases)} cases with scikit-learn {sklearn.__version__}")
