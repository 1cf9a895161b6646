"""Baselines the model must beat, scored by the project's own evaluator on the same splits and
folds: a keyword rule for CONSULT events (:mod:`.keyword`) and a word-level feature CRF for
both BIO layers (:mod:`.crf`, needs the ``baselines`` extra). ``arabic-events-baseline`` runs them."""
