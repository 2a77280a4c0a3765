"""Offline quality metrics measured with GAN Studio's own small classifiers (no downloads).

* ``features.py``        the classifiers (MNIST digits; emoji category / skin tone / hair / gender /
                         design), their folder format and loader (``load_classifier("mnist")``);
* ``fid.py``             Frechet distance and KID on feature arrays;
* ``evaluate.py``        the pure metric functions used by ``ganstudio eval`` and model cards;
* ``measure.py``         measures a model against held-out data per its family's ``evaluation``
                         (``evaluate_model``); ``cli.py`` is ``python -m ganstudio eval``;
* ``train_features.py``  trains and saves the bundled classifiers.
"""

from .evaluate import (
    attribute_accuracy,
    class_accuracy,
    cycle_l1,
    domain_accuracy,
    frechet_distance,
    kid,
    paired_l1,
    real_vs_real_baseline,
)
from .features import ClassifierConfig, FeatureClassifier, load_classifier

__all__ = [
    "ClassifierConfig",
    "FeatureClassifier",
    "attribute_accuracy",
    "class_accuracy",
    "cycle_l1",
    "domain_accuracy",
    "frechet_distance",
    "kid",
    "load_classifier",
    "paired_l1",
    "real_vs_real_baseline",
]
