"""The words of the evaluation report: readable metric names, which way is better, and a short
paragraph per section, for a reader who has not read the paper.

NAMES maps a metrics.json key to its readable name. A key is looked up by its dotted path,
then by shorter and shorter endings of it ("quantitative.generated.fid", "generated.fid",
"fid"). NOTES holds the paragraphs: "#<section>" for a page section, "<group>" for a table
(its dotted path in metrics.json), "<folder>/" for a folder of figures and "headline.<figure>"
for a row of the headline. COMPARISON says where each generated-data metric's real-data value
is and which way is better.
"""
from __future__ import annotations

from pirounet.viz.report import Guide

NAMES = {
    # page sections
    "#headline": "Does it dance?",
    # headline figures
    "reconstruction_vs_mean_pose": "Reconstruction AJD / mean-pose AJD",
    "effort_as_asked": "Dances with the effort asked for (effort meter)",
    "diversity_vs_real": "Diversity of generated / real dances",
    # tables
    "summary": "Run",
    "checkpoint": "Checkpoint",
    "labels": "Labels the run learned from",
    "quantitative.generated": "Generated dances vs real data",
    "quantitative.real": "Real reference windows",
    "quantitative.ajd": "Reconstruction error (AJD)",
    "quantitative.ajd_running_sum": "AJD as the reference code sums it (running sum)",
    "quantitative.effort_meter": "Effort meter",
    "quantitative.fid_classifier": "FID classifier (features of FID)",
    "quantitative.settings": "Sampling settings",
    "classification": "Effort classifier q(y|x)",
    "qualitative_generation": "Animations",
    "reconstruction": "Reconstruction figure",
    "latent_space": "Latent space",
    "entanglement": "Entanglement test",
    "blind_export": "Blind-labeling export",
    "blind_accuracy": "Human blind labels",
    "conditional_generation": "Dense tiles per label",
    "posterior_kl": "Posterior KL (collapse check)",
    "timing_s": "Time per section (s)",
    "eval_config": "Evaluation config",
    "training_config": "Training config",
    # metrics
    "fid": "FID (FID-classifier features)",
    "diversity": "Diversity (FID-classifier features)",
    "multimodality": "Multimodality (within-label diversity)",
    "kinetic_fid": "Kinetic FID (velocity / acceleration features)",
    "geometric_fid": "Geometric FID (pose-relation features)",
    "bone_length_variation": "Bone-length variation",
    "bone_length_ratio": "Bone-length variation / real",
    "effort_recognition_rate": "Effort-meter 'as asked' rate",
    "novelty_mean": "Novelty: distance to nearest training window",
    "novelty_min": "Novelty: smallest distance",
    "novelty_copy_fraction": "Share of near-copies",
    "ajd": "AJD of the reconstruction",
    "ajd_mean_pose": "AJD of the mean pose (baseline)",
    "ajd_of_shown": "AJD of the windows shown",
    "real_test_accuracy": "Meter accuracy on real test windows",
    "real_test_balanced_accuracy": "Meter balanced accuracy on real test windows",
    "held_out_accuracy": "Held-out accuracy",
    "epochs": "Training epochs",
    "classification.accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "confusion": "Confusion (rows: true, columns: predicted)",
    "blind_accuracy.accuracy": "Humans recognised the effort asked for",
    "not_a_dance_share": "Judged 'not a dance'",
    "distance": "Distance between decodings",
    "n_dense_tiles": "Dense tiles",
    "fallback": "Fell back to a Gaussian",
    "fallback_labels": "Labels that fell back",
    "posterior_kl.mean": "KL (nats, summed over z)",
    "collapse_below": "Collapse threshold (nats)",
}

NOTES = {
    # page sections
    "#headline": (
        "Three numbers that say whether the model learned to dance at all, each with the target "
        "a working model reaches (✔ pass, ✘ fail). A figure is left out when the section it "
        "comes from was switched off; the same numbers are under \"headline\" in metrics.json."),
    "#training": (
        "The loss terms of every epoch, read from the run's history.jsonl: training (blue) and "
        "validation (orange). Total loss and reconstruction error should fall. The KL term is how "
        "much information the latent code z carries (as logged it is twice the textbook KL, as "
        "in the published code); if it sinks to about 0 the decoder ignores z. Accuracy is that "
        "of the effort classifier q(y|x) on labelled windows."),
    "#metrics": (
        "Every number of metrics.json. The small grey text is a metric's key in metrics.json "
        "(hover a name for its full path). ± is the standard deviation over the bootstrap "
        "iterations, with the 95 % confidence interval in brackets."),
    "#paper-table": "This run's row of the paper's results table, ready to paste.",
    "#figures": (
        "Every figure of the evaluation, by folder of results/<run>/. Stick figures show the 53 "
        "motion-capture markers of the dancer joined into a skeleton."),
    "#animations": "The same outputs as stick-figure animations.",
    "#configs": (
        "The settings of this evaluation and of the training run (rebuilt from the checkpoint); "
        "also in metrics.json under eval_config and training_config."),
    # headline rows
    "headline.reconstruction_vs_mean_pose": (
        "Reconstruction error of the labelled valid windows divided by that of predicting every "
        "frame as the average training pose. Lower is better; 1 means the model does no better "
        "than standing still in the mean pose."),
    "headline.effort_as_asked": (
        "Share of conditional dances whose Time Effort, measured by the automatic effort meter, "
        "is the one they were asked for. Higher is better; chance is one in the number of labels."),
    "headline.diversity_vs_real": (
        "How varied the generated dances are compared with real dance. Near 0: every dance looks "
        "the same; 1: as varied as the real windows."),
    "headline.label_swap_as_asked": (
        "One latent code decoded with each label in turn, rated by the effort meter: the share "
        "rated as the label asked. High means the label steers the effort; near chance means "
        "the effort lives in z and the label changes little. 'ordered' is the share of codes "
        "whose hands, feet and head accelerate more as the label goes from low to high."),
    "headline.prior_as_asked": (
        "Dances sampled from the model's prior for a label (the paper's random generation): "
        "the share the effort meter rates as the label asked."),
    "headline.prior_diversity_vs_real": (
        "How varied the dances sampled from the prior are compared with real dance."),
    "headline.bone_length_vs_real": (
        "How much the bones of the conditional dances stretch over time, over how much real "
        "ones do (markers seen as bones). 1: as steady as real; large: bodies do not hold."),
    "headline.start_speed_vs_real": (
        "Speed of the conditional dances over their first three frame steps, over real. Far "
        "above 1: the dance rushes in from nowhere at its start."),
    # tables
    "summary": "The run evaluated.",
    "checkpoint": (
        "The checkpoint evaluated: its file, the training epochs it completed and its format "
        "(pirounet: ours, with its config; published: the paper's, without one)."),
    "labels": (
        "The label file of the run and where its Time labels came from: a person (human), a "
        "person accepting the effort meter's suggestion in the labeling app (suggested), or the "
        "machine_labels command (machine). With machine labels (meter) every effort number is "
        "measured against the meter's own classes, not a person's judgement."),
    "quantitative.generated": (
        "Conditional dances drawn from each label's dense tiles of the latent space and scored "
        "against real labelled training windows, as mean ± std over bootstrap iterations. The "
        "real-data column holds the same statistic for real windows, the value to aim for (in "
        "metrics.json under quantitative.real, or quantitative.effort_meter for the effort "
        "rate). A FID compares with real data, so real data scores 0 by definition."),
    "quantitative.real": (
        "The real labelled training windows the generated dances are compared with: n_windows "
        "behind FID, diversity and novelty, n_feature_windows (a seeded subset) behind the "
        "kinetic and geometric features, bone lengths and the effort meter."),
    "quantitative.ajd": (
        "Average joint distance (AJD): the mean distance per marker between a window and its "
        "reconstruction (encoded, then decoded with its own label), in the data's units. Lower "
        "is better. The mean-pose baseline (quantitative.ajd_mean_pose) predicts every frame as "
        "the average pose of all training windows, labelled and unlabelled; a model that uses "
        "its latent code stays well below it."),
    "quantitative.ajd_running_sum": (
        "Only with test_ajd=\"mean_and_running_sum\": the test AJD as the reference code "
        "computed it: sum over windows j of (n - j + 1) D_j / n², a running sum that weights early "
        "windows more (equal errors D give (n + 1) / 2n times D). It is not a mean; compare it "
        "only with runs of the same setting."),
    "quantitative.effort_meter": (
        "The automatic Time-Effort meter: a hand-made score of how sudden the movement is, with "
        "two thresholds fit on real labelled windows to tell sustained / neutral / sudden. Its accuracy "
        "on real test windows is the best the 'as asked' rate of generated dances can expect. "
        "Higher is better; chance is one in the number of labels (1/3)."),
    "quantitative.fid_classifier": (
        "The classifier whose features FID, diversity and multimodality are computed on: a "
        "dense network trained to recognise the effort of real windows (paper: 400 epochs). The "
        "higher its held-out accuracy, the more those features mean. Cached at path, reused."),
    "quantitative.settings": "How many dances were drawn and how the statistics were sampled.",
    "classification": (
        "Accuracy of the model's own effort classifier q(y|x) on labelled valid and test "
        "windows. Higher is better; chance is 1/3 for three efforts. Balanced accuracy averages "
        "the recall of each class, so always answering one class scores 1/3."),
    "qualitative_generation": "The animations of generated dances that were written.",
    "reconstruction": "The valid windows shown reconstructed among the figures, and their AJD.",
    "latent_space": "How many training codes the latent-space figures show.",
    "entanglement": (
        "One latent code z decoded with each pair of labels, and the distance between the two "
        "dances, over several draws of z. Larger means the label changes the dance; near 0 "
        "means the label is ignored and z alone decides the movement."),
    "blind_export": (
        "Conditional dances exported in shuffled order for blind labeling by a person with the "
        "label app; their conditioning labels are kept apart."),
    "blind_accuracy": (
        "How often a person labeling the blind export picked the effort each dance was "
        "conditioned on. Higher is better; chance is 1/3."),
    "conditional_generation": (
        "Conditional generation samples each label's 2-D PCA plane of the training codes in "
        "tiles where that label dominates (dense tiles). A label with no dense tile falls back "
        "to a Gaussian around its centre."),
    "posterior_kl": (
        "KL(q(z|x,y) ‖ N(0, I)) of the evaluated checkpoint on encoded labelled windows, in "
        "nats summed over the latent dimensions. Under collapse_below, the code z carries "
        "almost no information: posterior collapse."),
    "timing_s": "Seconds each part of this evaluation took.",
    # figure folders
    "classification/": (
        "Confusion matrices of q(y|x) on valid and test windows: rows are the true effort, "
        "columns the predicted one. A strong diagonal is good."),
    "generation/": (
        "Generated dances: conditional ones (one panel or row per class of the effort, e.g. "
        "sustained, neutral, sudden) and random ones. A dancing model shows poses that change over time and differ "
        "between labels; near-identical, frozen figures mean it did not learn to dance."),
    "reconstruction/": (
        "Valid windows (grey ghost) and their reconstructions. The closer the two, the better."),
    "latent/": (
        "Codes of the labelled training windows in 3-D PCA coloured by effort (separate colours "
        "mean the code knows the effort), and each label's dense tiles used for generation."),
    "entanglement/": (
        "One z decoded under each label. Larger distances between labels mean the label "
        "changes the dance, which is what conditioning is for. The label-swap strip shows one "
        "valid window's code decoded with each label, one row per label: if the label steers, "
        "the rows move with sustained, neutral and sudden timing."),
    "blind_accuracy/": (
        "Blind human labels against the labels the dances were conditioned on."),
}

BY_DEFINITION = {"fid": "0 (by definition)", "kinetic_fid": "0 (by definition)",
                 "geometric_fid": "0 (by definition)", "bone_length_ratio": "1 (by definition)"}
NO_REFERENCE = "— (the real windows are the search set)"
COMPARISON = {  # generated metric -> (real-data value: a metrics.json path or a text, better is)
    "fid": (BY_DEFINITION["fid"], "lower"),
    "diversity": (("quantitative", "real", "diversity"), "close to real data"),
    "multimodality": (("quantitative", "real", "multimodality"), "close to real data"),
    "kinetic_fid": (BY_DEFINITION["kinetic_fid"], "lower"),
    "geometric_fid": (BY_DEFINITION["geometric_fid"], "lower"),
    "bone_length_variation": (("quantitative", "real", "bone_length_variation"),
                              "close to real data (lower: steadier bones)"),
    "bone_length_ratio": (BY_DEFINITION["bone_length_ratio"], "close to 1"),
    "effort_recognition_rate": (("quantitative", "effort_meter", "real_test_accuracy"),
                                "higher (chance: 1 / number of labels)"),
    "novelty_mean": (NO_REFERENCE, "not near 0 (0: copies of training windows)"),
    "novelty_min": (NO_REFERENCE, "not near 0 (0: a copy of a training window)"),
    "novelty_copy_fraction": (NO_REFERENCE, "lower"),
}

GUIDE = Guide(names=NAMES, notes=NOTES)
