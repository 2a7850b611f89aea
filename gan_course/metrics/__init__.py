"""Measuring what a GAN made, one module per kind of data:

- ``digits``: read by the shipped digit classifier: class coverage, label fidelity, the spread within a class,
  a reader's accuracy, memorisation (nearest training images);
- ``fid``: FID in that classifier's features, read against its floor: as many real digits, disjoint from the reference;
- ``modes``: 2-D mixtures: mode counts, high-quality share, reverse KL, MMD, occupancy through training;
- ``translation``: image-to-image translation: label preservation, cycle error, hand-made baselines.

The digit measures and FID are also here by name (``metrics.fid_report``, ``metrics.class_coverage``); the 2-D
and translation measures are used as ``metrics.modes`` and ``metrics.translation``.
"""

from gan_course.metrics import modes, translation
from gan_course.metrics.digits import (accuracy, check_digit_images, class_coverage, label_fidelity,
                                       nearest_training_images, predict, within_class_spread)
from gan_course.metrics.fid import fid, fid_floor, fid_reference_points, fid_report, fid_split, floor_images
from gan_course.models.classifier import classifier_card, load_classifier

__all__ = ["modes", "translation", "accuracy", "check_digit_images", "class_coverage", "label_fidelity",
           "nearest_training_images", "predict", "within_class_spread", "fid", "fid_floor", "fid_reference_points",
           "fid_report", "fid_split", "floor_images",
           "classifier_card", "load_classifier"]
