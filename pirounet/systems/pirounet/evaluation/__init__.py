"""Evaluation of a trained PirouNet, one module per group of outputs (run by main_eval.py).

    context.py               load the checkpoint, rebuild config / model / data; the training
                             codes and dense tiles, computed once and shared
    quantitative.py          FID, diversity, multimodality (generated and real), AJD; kinetic and
                             geometric FID, bone lengths, automatic effort recognition, novelty
    classification.py        q(y|x) accuracy and confusion matrices on valid and test
    qualitative.py           conditional / random animations and strips; reconstructions
    latent.py                latent-space PCA, dense tiles, entanglement test
    blind_export.py          shuffled dances for blind human labeling, labels kept apart
    blind_accuracy.py        the human's blind labels vs the conditioning labels
    paper_table.py           the paper's table row as Markdown and LaTeX
    diagnosis.py             "Does it dance?" headline figures, warnings, training curves
    guide.py                 the report's words: readable metric names, a paragraph per section
    results.py               metrics.json, and the metrics arranged for report.html
"""
from pirounet.systems.pirounet.evaluation.blind_accuracy import (blind_scores, read_blind_labels,
                                                               run_blind_accuracy)
from pirounet.systems.pirounet.evaluation.blind_export import run_blind_export
from pirounet.systems.pirounet.evaluation.classification import run_classification
from pirounet.systems.pirounet.evaluation.context import EvalContext, EvalError, load_context, tile_summary
from pirounet.systems.pirounet.evaluation.diagnosis import diagnose, headline, run_warnings
from pirounet.systems.pirounet.evaluation.latent import run_entanglement, run_latent_space
from pirounet.systems.pirounet.evaluation.paper_table import labelled_share, paper_table, paper_table_row
from pirounet.systems.pirounet.evaluation.qualitative import run_generation_figures, run_reconstruction_figures
from pirounet.systems.pirounet.evaluation.quantitative import run_quantitative
from pirounet.systems.pirounet.evaluation.results import clear_figures, write_eval_report

__all__ = [
    "EvalContext", "EvalError", "blind_scores", "clear_figures", "diagnose", "headline",
    "labelled_share", "load_context", "paper_table", "paper_table_row", "read_blind_labels",
    "run_blind_accuracy", "run_blind_export", "run_classification", "run_entanglement",
    "run_generation_figures", "run_latent_space", "run_quantitative",
    "run_reconstruction_figures", "run_warnings", "tile_summary", "write_eval_report",
]
