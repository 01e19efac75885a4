"""Log training from machine-learning libraries with a line or two of code.

Each integration lives in its own module and imports its library only when used,
so ``import trackrecord.integrations`` loads none of them (the Keras, Lightning,
Transformers and XGBoost modules load their library when imported: they subclass it):

=================================  ==================================================
``integrations.sklearn.autolog()``  every outermost scikit-learn ``fit``
``integrations.xgboost``            ``TrackRecordCallback`` for ``xgboost.train`` / ``fit``
``integrations.lightgbm``           ``callback()`` for ``lightgbm.train`` / ``fit``
``integrations.pytorch.watch()``    a plain PyTorch training loop
``integrations.optuna``             ``TrackRecordCallback``: one child run per trial
``integrations.keras``              ``TrackRecordCallback`` for Keras 3 ``fit``
``integrations.lightning``          ``TrackRecordLogger`` for a Lightning ``Trainer``
``integrations.transformers``       ``TrackRecordCallback`` for a Hugging Face ``Trainer``
=================================  ==================================================

Every item (params, a metric series, the model, the dataset ...) is logged in its
own ``try``: a failure warns once with :class:`~trackrecord.TrackRecordWarning`,
naming the item and the reason, and the rest is still logged. Training never stops
because of the tracker.
"""

from __future__ import annotations

__all__: list[str] = []
